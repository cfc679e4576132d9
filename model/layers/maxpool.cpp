#include "model/layers/maxpool.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

void require_elements(const vkrt::BufferRange& range, std::size_t count, const char* what) {
  if (range.size < count * 4)
    throw std::invalid_argument(std::string("MaxPoolOp: ") + what + " holds " + std::to_string(range.size) +
                                " bytes, needs " + std::to_string(count * 4));
}

const ref::PoolShape& checked(const ref::PoolShape& s) {
  s.validate();
  const std::size_t count = static_cast<std::size_t>(s.n) * s.c * s.h * s.w;
  if (count > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("MaxPoolOp: more than 2^32 - 1 input elements; split the batch");
  return s;
}

vkrt::KernelDesc desc(const char* shader, const ref::PoolShape& s) {
  return {shader, {kLocal, 1, 1}, {s.k, s.stride, s.h, s.w}};
}

}  // namespace

MaxPoolOp::MaxPoolOp(vkrt::Context& context, ref::PoolShape shape)
    : shape_(checked(shape)),
      forward_(context, desc("maxpool_fwd", shape)),
      backward_(context, desc("maxpool_bwd", shape)) {}

std::size_t MaxPoolOp::input_count() const {
  return static_cast<std::size_t>(shape_.n) * shape_.c * shape_.h * shape_.w;
}

std::size_t MaxPoolOp::output_count() const {
  return static_cast<std::size_t>(shape_.n) * shape_.c * shape_.out_h() * shape_.out_w();
}

void MaxPoolOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                        const vkrt::BufferRange& argmax) const {
  require_elements(x, input_count(), "x");
  require_elements(y, output_count(), "y");
  require_elements(argmax, output_count(), "argmax");
  const auto count = static_cast<std::uint32_t>(output_count());
  stream.dispatch(forward_, {x, y, argmax}, Push{count}, vkrt::linear_groups(count, kLocal));
}

void MaxPoolOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& argmax, const vkrt::BufferRange& dy,
                         const vkrt::BufferRange& dx) const {
  require_elements(argmax, output_count(), "argmax");
  require_elements(dy, output_count(), "dy");
  require_elements(dx, input_count(), "dx");
  const auto count = static_cast<std::uint32_t>(input_count());
  stream.dispatch(backward_, {argmax, dy, dx}, Push{count}, vkrt::linear_groups(count, kLocal));
}

}  // namespace alexnet
