#include "model/ops/sgd.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/ops/elementwise_chunks.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

std::uint32_t validated_texels(std::uint32_t texels) {
  if (texels == 0) throw std::invalid_argument("SgdOp: texels_per_invocation must be positive");
  return texels;
}

}  // namespace

SgdOp::SgdOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch, std::uint32_t texels_per_invocation,
             bool unscale)
    : max_chunk_(elementwise_chunk_elements(context, max_elements_per_dispatch)),
      texels_(validated_texels(texels_per_invocation)),
      unscale_(unscale),
      kernel_(context, {unscale ? "sgd_momentum_unscale" : "sgd_momentum", {kLocal, 1, 1}, {texels_per_invocation, false}}),
      tail_(context, {unscale ? "sgd_momentum_unscale" : "sgd_momentum", {kLocal, 1, 1}, {texels_per_invocation, true}}) {}

void SgdOp::update(vkrt::Stream& stream, const vkrt::BufferRange& w, const vkrt::BufferRange& v,
                   const vkrt::BufferRange& g, const vkrt::BufferRange& lr_buffer, std::uint64_t count, float momentum,
                   float weight_decay, const vkrt::BufferRange* loss_scale) const {
  if (unscale_ != (loss_scale != nullptr))
    throw std::invalid_argument(unscale_ ? "SgdOp: the unscaling update needs the loss-scale buffer"
                                         : "SgdOp: a loss-scale buffer needs an op built to unscale");
  if (loss_scale && loss_scale->size < 2 * sizeof(float))
    throw std::invalid_argument("SgdOp: the loss-scale buffer holds fewer than 2 floats");
  const std::uint64_t bytes = count * sizeof(float);
  if (w.size < bytes || v.size < bytes || g.size < bytes)
    throw std::invalid_argument("SgdOp: w, v or g holds fewer than " + std::to_string(count) + " floats");
  if (lr_buffer.size < sizeof(float)) throw std::invalid_argument("SgdOp: lr_buffer holds no float");
  const vkrt::BufferRange lr = float_slice(lr_buffer, 0, 1);
  for (std::uint64_t first = 0; first < count; first += max_chunk_) {
    const std::uint64_t n = std::min(max_chunk_, count - first);
    const vkrt::BufferRange w_n = float_slice(w, first, n), v_n = float_slice(v, first, n), g_n = float_slice(g, first, n);
    const Push push{static_cast<std::uint32_t>(n), momentum, weight_decay};
    // texels_ whole texels per invocation; the partial texel (if any) by the tail pipeline. The
    // two write disjoint elements, so they need no barrier between them.
    std::vector<vkrt::BufferRange> buffers{w_n, v_n, g_n, lr};
    if (loss_scale) buffers.push_back(loss_scale->sub(0, 2 * sizeof(float)));
    if (n >= 4)
      stream.dispatch_raw(kernel_, buffers, &push, sizeof(push),
                          vkrt::linear_groups((n / 4 + texels_ - 1) / texels_, kLocal));
    if (n % 4 != 0) stream.dispatch_raw(tail_, buffers, &push, sizeof(push), vkrt::Groups{1, 1, 1});
  }
}

}  // namespace alexnet
