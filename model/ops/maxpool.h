// Max pooling on the GPU (shaders maxpool_fwd, maxpool_bwd), the reference's semantics
// (model/reference/maxpool.h): K x K windows, stride S, no padding, floor output size, and the
// tie rule "first maximum in row-major window order".
//
// Forward also writes an ARGMAX per output element: the index iy * W + ix of the chosen element
// WITHIN ITS (H, W) INPUT PLANE (not a flat index into x), so it is independent of the batch and
// channel. It is stored as a 4-byte FLOAT holding that integer (exact: planes of 2^24 elements or
// more are refused), because backward reads it through a float texel view (see
// shaders/maxpool.glsl). Backward is a gather over the windows covering each input element (no
// atomics, deterministic) and needs only argmax and dy, not x.
// Inputs are read through R32F texel views, so ranges must start at an offset aligned for texel
// buffers (Allocator ranges are).
#pragma once

#include <cstdint>

#include "model/ops/precision.h"
#include "model/reference/maxpool.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class MaxPoolOp {
 public:
  // Throws std::invalid_argument on a shape the reference rejects, or with H * W >= 2^24.
  // precision: fp16 stores x, y, dy and dx in 16 bits (maxpool_*_fp16); argmax stays fp32.
  MaxPoolOp(vkrt::Context& context, ref::PoolShape shape, Precision precision = Precision::Fp32);

  // x: (N, C, H, W) -> y: (N, C, OH, OW), argmax: (N, C, OH, OW) float (index within the plane)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
               const vkrt::BufferRange& argmax) const;
  // argmax: (N, C, OH, OW) float, from forward, dy: (N, C, OH, OW) -> dx: (N, C, H, W)
  // Every element of dx is written (0 where no window chose it).
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& argmax, const vkrt::BufferRange& dy,
                const vkrt::BufferRange& dx) const;

  const ref::PoolShape& shape() const { return shape_; }
  std::size_t input_count() const;   // N * C * H * W
  std::size_t output_count() const;  // N * C * OH * OW

 private:
  struct Push {  // mirrors maxpool_fwd.comp / maxpool_bwd.comp
    std::uint32_t count;
  };
  // An activation's scalar view: R16F at fp16, else R32F.
  vkrt::BufferRange act(const vkrt::BufferRange& range) const {
    const auto scalar = vkrt::scalar_texels(range);
    return precision_ == Precision::Fp16 ? vkrt::half_texels(scalar) : scalar;
  }
  ref::PoolShape shape_;
  Precision precision_;
  vkrt::Kernel forward_;       // the whole quads of four outputs
  vkrt::Kernel forward_tail_;  // the partial quad after them (shaders/quads.glsl)
  vkrt::Kernel backward_;
};

}  // namespace alexnet
