// Local response normalisation on the GPU (shaders lrn_fwd, lrn_bwd): the paper's formula with
// alpha NOT divided by the window size, exactly as ref::lrn_forward / ref::lrn_backward.
// The window size, k, alpha, beta and the (C, H, W) shape are specialization constants, so the
// window loop unrolls; the batch enters only through the element count.
//
// Each invocation computes four consecutive elements (shaders/lrn.glsl). Inputs are read through
// RGBA32F texel views, so ranges must start at an offset aligned for texel buffers (Allocator
// ranges are).
#pragma once

#include <cstdint>
#include <initializer_list>

#include "model/reference/lrn.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class LrnOp {
 public:
  // Throws std::invalid_argument on a bad shape or parameters (as the reference does), or a window
  // wider than 65535 channels (the shaders' window loop would pass llvmpipe's iteration limit).
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
  // One shader as two pipelines: the whole quads of four elements, and the partial quad after
  // them (shaders/quads.glsl).
  struct Kernels {
    vkrt::Kernel main, tail;
  };
  static Kernels kernels(vkrt::Context& context, const char* shader, const ref::Nchw& s, const ref::LrnParams& p);
  void record(vkrt::Stream& stream, const Kernels& kernels, std::initializer_list<vkrt::BufferRange> buffers) const;

  ref::Nchw shape_;
  std::uint32_t count_;
  Kernels forward_;
  Kernels backward_;
};

}  // namespace alexnet
