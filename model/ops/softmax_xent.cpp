#include "model/ops/softmax_xent.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/ops/require_floats.h"

namespace alexnet {
namespace {

// Forward: one invocation per row. Small workgroups, so that a batch's few rows still spread over
// a CPU driver's threads (each workgroup runs on one).
constexpr std::uint32_t kRowLocal = 8;
// Backward: texel-wise, kTexels texels of four elements per invocation.
constexpr std::uint32_t kLocal = 64;
constexpr std::uint32_t kTexels = 4;

int validated(int classes) {
  if (classes <= 0 || classes > SoftmaxXentOp::kMaxClasses)
    throw std::invalid_argument("SoftmaxXentOp: classes must be in [1, " + std::to_string(SoftmaxXentOp::kMaxClasses) +
                                "], got " + std::to_string(classes));
  return classes;
}

// n rows of `classes` logits; the shaders index them with 32-bit arithmetic.
std::uint64_t logit_count(std::uint32_t n, int classes) {
  const std::uint64_t count = std::uint64_t(n) * classes;
  if (count > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("SoftmaxXentOp: more than 2^32 - 1 logits; use a smaller batch");
  return count;
}

}  // namespace

SoftmaxXentOp::SoftmaxXentOp(vkrt::Context& context, int classes, Precision precision)
    : classes_(validated(classes)),
      precision_((require_precision(context, precision), precision)),
      // The forward shader is the same at fp16: only the logits' view format differs.
      forward_(context, {"softmax_xent_fwd", {kRowLocal, 1, 1}, {classes}}),
      backward_(context, {shader_variant("softmax_xent_bwd", precision), {kLocal, 1, 1}, {classes, kTexels, false}}),
      backward_tail_(context,
                     {shader_variant("softmax_xent_bwd", precision), {kLocal, 1, 1}, {classes, kTexels, true}}) {}

void SoftmaxXentOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& logits, const vkrt::BufferRange& labels,
                            const vkrt::BufferRange& probs, const vkrt::BufferRange& loss, std::uint32_t n) const {
  if (n == 0) return;
  const std::uint64_t count = logit_count(n, classes_);
  const bool half = precision_ == Precision::Fp16;
  require_elements("SoftmaxXentOp", "logits", logits, count, activation_bytes(precision_));
  require_floats("SoftmaxXentOp", "labels", labels, n);
  require_floats("SoftmaxXentOp", "probs", probs, count);
  require_floats("SoftmaxXentOp", "loss", loss, n);
  const auto logits_view = half ? vkrt::half_texels(vkrt::scalar_texels(logits)) : vkrt::scalar_texels(logits);
  stream.dispatch(forward_, {logits_view, labels, probs, loss}, ForwardPush{n},
                  vkrt::linear_groups(n, kRowLocal));
}

void SoftmaxXentOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& probs, const vkrt::BufferRange& labels,
                             const vkrt::BufferRange& dlogits, std::uint32_t n, float scale,
                             const vkrt::BufferRange* loss_scale) const {
  const bool half = precision_ == Precision::Fp16;
  if (half != (loss_scale != nullptr))
    throw std::invalid_argument(half ? "SoftmaxXentOp: fp16 backward needs the loss-scale buffer"
                                     : "SoftmaxXentOp: a loss-scale buffer is for fp16 only");
  if (n == 0) return;
  const std::uint64_t count = logit_count(n, classes_);
  require_floats("SoftmaxXentOp", "probs", probs, count);
  require_floats("SoftmaxXentOp", "labels", labels, n);
  require_elements("SoftmaxXentOp", "dlogits", dlogits, count, activation_bytes(precision_));
  std::vector<vkrt::BufferRange> buffers{probs, labels, dlogits};
  if (half) {
    require_floats("SoftmaxXentOp", "loss scale", *loss_scale, 2);
    buffers.push_back(*loss_scale);
  }
  const BackwardPush push{static_cast<std::uint32_t>(count), scale};
  // kTexels whole texels per invocation; the partial texel (if any) by the tail pipeline. The two
  // write disjoint elements, so they need no barrier between them.
  if (count >= 4)
    stream.dispatch_raw(backward_, buffers, &push, sizeof(push),
                        vkrt::linear_groups((count / 4 + kTexels - 1) / kTexels, kLocal));
  if (count % 4 != 0) stream.dispatch_raw(backward_tail_, buffers, &push, sizeof(push), vkrt::Groups{1, 1, 1});
}

}  // namespace alexnet
