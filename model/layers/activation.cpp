#include "model/layers/activation.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

vkrt::KernelDesc desc(const char* shader) { return {shader, {kLocal, 1, 1}, {}}; }

}  // namespace

ActivationOp::ActivationOp(vkrt::Context& context, Activation kind)
    : forward_(context, desc(kind == Activation::Relu ? "relu_fwd" : "tanh_fwd")),
      backward_(context, desc(kind == Activation::Relu ? "relu_bwd" : "tanh_bwd")) {}

void ActivationOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                           std::uint32_t count) const {
  stream.dispatch(forward_, {x, y}, Push{count}, vkrt::linear_groups(count, kLocal));
}

void ActivationOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& y, const vkrt::BufferRange& dy,
                            const vkrt::BufferRange& dx, std::uint32_t count) const {
  stream.dispatch(backward_, {y, dy, dx}, Push{count}, vkrt::linear_groups(count, kLocal));
}

}  // namespace alexnet
