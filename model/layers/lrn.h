// Local response normalisation on the GPU (shaders lrn_fwd, lrn_bwd): the paper's formula with
// alpha NOT divided by the window size, exactly as ref::lrn_forward / ref::lrn_backward.
// The window size, k, alpha, beta and the (C, H, W) shape are specialization constants, so the
// window loop unrolls; the batch enters only through the element count.
#pragma once

#include <cstdint>

#include "model/reference/lrn.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class LrnOp {
 public:
  // Throws std::invalid_argument on a bad shape or parameters (as the reference does).
  LrnOp(vkrt::Context& context, ref::Nchw shape, ref::LrnParams params);

  // x: (N, C, H, W) -> y: (N, C, H, W), and scale: (N, C, H, W) = k + alpha * window sum of x^2,
  // kept for backward.
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
               const vkrt::BufferRange& scale) const;
  // One pass from the forward's input x, output y and scale, and dy -> dx; all (N, C, H, W).
  // dx must not alias any input.
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                const vkrt::BufferRange& scale, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx) const;

  const ref::Nchw& shape() const { return shape_; }

 private:
  struct Push {  // mirrors lrn_fwd.comp / lrn_bwd.comp
    std::uint32_t count;
  };
  ref::Nchw shape_;
  std::uint32_t count_;
  vkrt::Kernel forward_;
  vkrt::Kernel backward_;
};

}  // namespace alexnet
