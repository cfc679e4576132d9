// Max pooling on the GPU (shaders maxpool_fwd, maxpool_bwd), the reference's semantics
// (model/reference/maxpool.h): K x K windows, stride S, no padding, floor output size, and the
// tie rule "first maximum in row-major window order".
//
// Forward also writes an int32 ARGMAX per output element: the index iy * W + ix of the chosen
// element WITHIN ITS (H, W) INPUT PLANE (not a flat index into x), so it is independent of the
// batch and channel. Backward is a gather over the windows covering each input element (no
// atomics, deterministic) and needs only argmax and dy, not x.
#pragma once

#include <cstdint>

#include "model/reference/maxpool.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class MaxPoolOp {
 public:
  // Throws std::invalid_argument on a shape the reference rejects.
  MaxPoolOp(vkrt::Context& context, ref::PoolShape shape);

  // x: (N, C, H, W) -> y: (N, C, OH, OW), argmax: (N, C, OH, OW) int32 (index within the plane)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
               const vkrt::BufferRange& argmax) const;
  // argmax: (N, C, OH, OW) from forward, dy: (N, C, OH, OW) -> dx: (N, C, H, W)
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
  ref::PoolShape shape_;
  vkrt::Kernel forward_;
  vkrt::Kernel backward_;
};

}  // namespace alexnet
