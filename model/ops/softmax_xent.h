// Softmax cross-entropy on the GPU (shaders softmax_xent_fwd, softmax_xent_bwd), as
// ref::softmax_forward / softmax_xent_loss / softmax_xent_backward: the row maximum is subtracted
// before exponentiating, the per-sample loss is logsumexp - logit[label], and the gradient of the
// batch-MEAN loss is (p - onehot) / batch.
//
// Forward runs one invocation per row, summing in a fixed order (deterministic); it takes at most
// 65536 classes (llvmpipe's loop-iteration limit, see softmax_xent_fwd.comp). Both passes read
// through texel views (why: "Texel-wise element ops" in shaders/common.glsl), so ranges must start
// at an offset aligned for texel buffers (Allocator ranges are).
// Labels must lie in [0, classes): the host validates them before upload. A label outside makes
// that row's loss NaN in forward and its whole dlogits row NaN in backward, so it cannot train
// silently.
#pragma once

#include <cstdint>

#include "model/ops/precision.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class SoftmaxXentOp {
 public:
  // Throws std::invalid_argument unless 1 <= classes <= kMaxClasses.
  // precision: fp16 reads the logits and writes dlogits in 16 bits (probs and loss stay fp32), and
  // backward multiplies dlogits by the dynamic loss scale (softmax_xent_bwd_fp16).
  SoftmaxXentOp(vkrt::Context& context, int classes, Precision precision = Precision::Fp32);
  static constexpr int kMaxClasses = 65536;

  // logits: (n, classes), labels: (n) int32 -> probs: (n, classes), loss: (n) per sample.
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& logits, const vkrt::BufferRange& labels,
               const vkrt::BufferRange& probs, const vkrt::BufferRange& loss, std::uint32_t n) const;
  // probs: (n, classes) from forward, labels: (n) -> dlogits: (n, classes) = (p - onehot) * scale.
  // Pass scale = 1 / batch, the WHOLE batch when these n rows are a micro-batch of it. At fp16,
  // `loss_scale` (float S, float 1/S, read when the work runs) is required and dlogits is also
  // multiplied by S; at fp32 it must be null.
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& probs, const vkrt::BufferRange& labels,
                const vkrt::BufferRange& dlogits, std::uint32_t n, float scale,
                const vkrt::BufferRange* loss_scale = nullptr) const;

  int classes() const { return classes_; }

 private:
  struct ForwardPush {  // mirrors softmax_xent_fwd.comp
    std::uint32_t rows;
  };
  struct BackwardPush {  // mirrors softmax_xent_bwd.comp
    std::uint32_t count;
    float scale;
  };
  int classes_;
  Precision precision_;
  vkrt::Kernel forward_;
  vkrt::Kernel backward_;       // the whole texels of dlogits
  vkrt::Kernel backward_tail_;  // the partial texel after them ("Texel-wise element ops" in shaders/common.glsl)
};

}  // namespace alexnet
