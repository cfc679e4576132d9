#include "model/layers/lrn.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

void require_elements(const vkrt::BufferRange& range, std::size_t count, const char* what) {
  if (range.size < count * sizeof(float))
    throw std::invalid_argument(std::string("LrnOp: ") + what + " holds " + std::to_string(range.size) +
                                " bytes, needs " + std::to_string(count * sizeof(float)));
}

const ref::Nchw& checked(const ref::Nchw& s, const ref::LrnParams& p) {
  // The reference's rules (model/reference/lrn.h): the GPU op accepts exactly what it accepts.
  if (s.n <= 0 || s.c <= 0 || s.h <= 0 || s.w <= 0) throw std::invalid_argument("LrnOp: sizes must be positive");
  if (p.size <= 0 || p.size % 2 == 0)
    throw std::invalid_argument("LrnOp: size must be odd and positive, got " + std::to_string(p.size));
  if (!(p.k > 0.0) || !(p.alpha >= 0.0)) throw std::invalid_argument("LrnOp: need k > 0 and alpha >= 0");
  if (s.count() > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("LrnOp: more than 2^32 - 1 elements; split the batch");
  // The shaders loop over the window, and llvmpipe ends an invocation after 65535 iterations.
  if (p.size > 65535) throw std::invalid_argument("LrnOp: a window of more than 65535 channels");
  return s;
}

}  // namespace

LrnOp::Kernels LrnOp::kernels(vkrt::Context& context, const char* shader, const ref::Nchw& s,
                              const ref::LrnParams& p) {
  auto kernel = [&](bool tail) {
    return vkrt::Kernel(context, {shader,
                                  {kLocal, 1, 1},
                                  {p.size, static_cast<float>(p.k), static_cast<float>(p.alpha),
                                   static_cast<float>(p.beta), static_cast<std::uint32_t>(s.c),
                                   static_cast<std::uint32_t>(s.h) * static_cast<std::uint32_t>(s.w), tail}});
  };
  return {kernel(false), kernel(true)};
}

LrnOp::LrnOp(vkrt::Context& context, ref::Nchw shape, ref::LrnParams params)
    : shape_(checked(shape, params)),
      count_(static_cast<std::uint32_t>(shape.count())),
      forward_(kernels(context, "lrn_fwd", shape, params)),
      backward_(kernels(context, "lrn_bwd", shape, params)) {}

void LrnOp::record(vkrt::Stream& stream, const Kernels& kernels,
                   std::initializer_list<vkrt::BufferRange> buffers) const {
  const Push push{count_};
  // One invocation per whole quad; the partial quad (if any) by the tail pipeline. The two write
  // disjoint elements, so they need no barrier between them.
  if (count_ >= 4) stream.dispatch(kernels.main, buffers, push, vkrt::linear_groups(count_ / 4, kLocal));
  if (count_ % 4 != 0) stream.dispatch(kernels.tail, buffers, push, vkrt::Groups{1, 1, 1});
}

void LrnOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                    const vkrt::BufferRange& scale) const {
  require_elements(x, count_, "x");
  require_elements(y, count_, "y");
  require_elements(scale, count_, "scale");
  record(stream, forward_, {x, y, scale});
}

void LrnOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                     const vkrt::BufferRange& scale, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx) const {
  require_elements(x, count_, "x");
  require_elements(y, count_, "y");
  require_elements(scale, count_, "scale");
  require_elements(dy, count_, "dy");
  require_elements(dx, count_, "dx");
  record(stream, backward_, {x, y, scale, dy, dx});
}

}  // namespace alexnet
