#include "model/ops/activation.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/ops/elementwise_chunks.h"
#include "model/ops/require_floats.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;
// Texels (of four elements) per invocation: enough work per invocation to amortise llvmpipe's
// per-invocation overhead; more made no difference there.
constexpr std::uint32_t kTexels = 4;

}  // namespace

ActivationOp::Kernels ActivationOp::kernels(vkrt::Context& context, const std::string& shader) {
  return {vkrt::Kernel(context, {shader, {kLocal, 1, 1}, {kTexels, false}}),
          vkrt::Kernel(context, {shader, {kLocal, 1, 1}, {kTexels, true}})};
}

ActivationOp::ActivationOp(vkrt::Context& context, Activation kind, std::uint64_t max_elements_per_dispatch,
                           Precision precision)
    : precision_((require_precision(context, precision), precision)),
      max_chunk_(elementwise_chunk_elements(context, max_elements_per_dispatch, activation_bytes(precision))),
      forward_(kernels(context, shader_variant(kind == Activation::Relu ? "relu_fwd" : "tanh_fwd", precision))),
      backward_(kernels(context, shader_variant(kind == Activation::Relu ? "relu_bwd" : "tanh_bwd", precision))) {}

void ActivationOp::record(vkrt::Stream& stream, const Kernels& kernels,
                          std::initializer_list<vkrt::BufferRange> buffers, std::uint64_t n) const {
  std::vector<vkrt::BufferRange> chunk(buffers);
  const std::uint32_t bytes = activation_bytes(precision_);
  const bool half = precision_ == Precision::Fp16;  // every binding is an activation
  for (std::uint64_t first = 0; first < n; first += max_chunk_) {
    const std::uint64_t size = std::min(max_chunk_, n - first);
    auto it = buffers.begin();
    for (auto& b : chunk) {
      b = element_slice(*it++, first, size, bytes);
      if (half) b = vkrt::half_texels(b);
    }
    const Push push{static_cast<std::uint32_t>(size)};
    // kTexels whole texels per invocation; the partial texel (if any) by the tail pipeline. The
    // two write disjoint elements, so they need no barrier between them.
    if (size >= 4) stream.dispatch_raw(kernels.main, chunk, &push, sizeof(push),
                                       vkrt::linear_groups((size / 4 + kTexels - 1) / kTexels, kLocal));
    if (size % 4 != 0) stream.dispatch_raw(kernels.tail, chunk, &push, sizeof(push), vkrt::Groups{1, 1, 1});
  }
}

void ActivationOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                           std::uint32_t count) const {
  const std::uint32_t bytes = activation_bytes(precision_);
  require_elements("ActivationOp", "x", x, count, bytes);
  require_elements("ActivationOp", "y", y, count, bytes);
  record(stream, forward_, {x, y}, count);
}

void ActivationOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& y, const vkrt::BufferRange& dy,
                            const vkrt::BufferRange& dx, std::uint32_t count) const {
  const std::uint32_t bytes = activation_bytes(precision_);
  require_elements("ActivationOp", "y", y, count, bytes);
  require_elements("ActivationOp", "dy", dy, count, bytes);
  require_elements("ActivationOp", "dx", dx, count, bytes);
  record(stream, backward_, {y, dy, dx}, count);
}

}  // namespace alexnet
