#include "model/ops/adaptive_avgpool.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "model/ops/require_floats.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

const ref::AdaptivePoolShape& validated(const ref::AdaptivePoolShape& s) {
  s.validate();
  const std::size_t in = std::size_t(s.n) * s.c * s.h * s.w, out = std::size_t(s.n) * s.c * s.out_h * s.out_w;
  // The shaders index in uint, and the window formula multiplies an index by a size.
  if (in > std::numeric_limits<std::uint32_t>::max() || out > std::numeric_limits<std::uint32_t>::max() ||
      std::size_t(s.h) * s.out_h >= (std::size_t(1) << 31) || std::size_t(s.w) * s.out_w >= (std::size_t(1) << 31))
    throw std::invalid_argument("AdaptiveAvgPoolOp: too many elements; use a smaller batch");
  return s;
}

// Specialization constants H, W, OH, OW.
vkrt::KernelDesc desc(const std::string& shader, const ref::AdaptivePoolShape& s) {
  return {shader, {kLocal, 1, 1}, {s.h, s.w, s.out_h, s.out_w}};
}

}  // namespace

AdaptiveAvgPoolOp::AdaptiveAvgPoolOp(vkrt::Context& context, ref::AdaptivePoolShape shape, Precision precision)
    : shape_(validated(shape)),
      precision_((require_precision(context, precision), precision)),
      forward_(context, desc(shader_variant("adaptive_avgpool_fwd", precision), shape)),
      backward_(context, desc(shader_variant("adaptive_avgpool_bwd", precision), shape)) {}

std::size_t AdaptiveAvgPoolOp::input_count() const { return std::size_t(shape_.n) * shape_.c * shape_.h * shape_.w; }

std::size_t AdaptiveAvgPoolOp::output_count() const {
  return std::size_t(shape_.n) * shape_.c * shape_.out_h * shape_.out_w;
}

void AdaptiveAvgPoolOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y) const {
  require_elements("AdaptiveAvgPoolOp", "x", x, input_count(), activation_bytes(precision_));
  require_elements("AdaptiveAvgPoolOp", "y", y, output_count(), activation_bytes(precision_));
  const auto count = static_cast<std::uint32_t>(output_count());
  stream.dispatch(forward_, {x, y}, Push{count}, vkrt::linear_groups(count, kLocal));
}

void AdaptiveAvgPoolOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx) const {
  require_elements("AdaptiveAvgPoolOp", "dy", dy, output_count(), activation_bytes(precision_));
  require_elements("AdaptiveAvgPoolOp", "dx", dx, input_count(), activation_bytes(precision_));
  const auto count = static_cast<std::uint32_t>(input_count());
  stream.dispatch(backward_, {dy, dx}, Push{count}, vkrt::linear_groups(count, kLocal));
}

}  // namespace alexnet
