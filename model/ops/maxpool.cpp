#include "model/ops/maxpool.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "model/ops/require_floats.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

const ref::PoolShape& validated(const ref::PoolShape& s) {
  s.validate();
  const std::size_t count = static_cast<std::size_t>(s.n) * s.c * s.h * s.w;
  if (count > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("MaxPoolOp: more than 2^32 - 1 input elements; use a smaller batch");
  // argmax is a float-valued index within the plane: exact below 2^24.
  if (std::size_t(s.h) * s.w >= (std::size_t(1) << 24))
    throw std::invalid_argument("MaxPoolOp: planes of 2^24 elements or more are not supported");
  return s;
}


// Backward: one invocation per stride x stride block of an input plane (shaders/maxpool_bwd.comp).
vkrt::Groups block_groups(const ref::PoolShape& s) {
  const std::uint64_t blocks_h = (s.h + s.stride - 1) / s.stride, blocks_w = (s.w + s.stride - 1) / s.stride;
  return vkrt::linear_groups(std::uint64_t(s.n) * s.c * blocks_h * blocks_w, kLocal);
}

// Specialization constants K, STRIDE, H, W and (forward only) TAIL.
vkrt::KernelDesc desc(const std::string& shader, const ref::PoolShape& s, bool tail = false) {
  return {shader, {kLocal, 1, 1}, {s.k, s.stride, s.h, s.w, tail}};
}

}  // namespace

MaxPoolOp::MaxPoolOp(vkrt::Context& context, ref::PoolShape shape, Precision precision)
    : shape_(validated(shape)),
      precision_((require_precision(context, precision), precision)),
      forward_(context, desc(shader_variant("maxpool_fwd", precision), shape)),
      forward_tail_(context, desc(shader_variant("maxpool_fwd", precision), shape, true)),
      backward_(context, desc(shader_variant("maxpool_bwd", precision), shape)) {}

std::size_t MaxPoolOp::input_count() const {
  return static_cast<std::size_t>(shape_.n) * shape_.c * shape_.h * shape_.w;
}

std::size_t MaxPoolOp::output_count() const {
  return static_cast<std::size_t>(shape_.n) * shape_.c * shape_.out_h() * shape_.out_w();
}

void MaxPoolOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                        const vkrt::BufferRange& argmax) const {
  const std::uint32_t bytes = activation_bytes(precision_);
  require_elements("MaxPoolOp", "x", x, input_count(), bytes);
  require_elements("MaxPoolOp", "y", y, output_count(), bytes);
  require_floats("MaxPoolOp", "argmax", argmax, output_count());
  const auto count = static_cast<std::uint32_t>(output_count());
  // One invocation per four whole outputs; the partial quad (if any) by the tail pipeline. The two
  // write disjoint elements, so they need no barrier between them.
  if (count >= 4)
    stream.dispatch(forward_, {act(x), y, argmax}, Push{count}, vkrt::linear_groups(count / 4, kLocal));
  if (count % 4 != 0)
    stream.dispatch(forward_tail_, {act(x), y, argmax}, Push{count}, vkrt::Groups{1, 1, 1});
}

void MaxPoolOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& argmax, const vkrt::BufferRange& dy,
                         const vkrt::BufferRange& dx) const {
  require_floats("MaxPoolOp", "argmax", argmax, output_count());
  const std::uint32_t bytes = activation_bytes(precision_);
  require_elements("MaxPoolOp", "dy", dy, output_count(), bytes);
  require_elements("MaxPoolOp", "dx", dx, input_count(), bytes);
  const auto count = static_cast<std::uint32_t>(input_count());
  stream.dispatch(backward_, {vkrt::scalar_texels(argmax), act(dy), dx}, Push{count},
                  block_groups(shape_));
}

}  // namespace alexnet
