// Adaptive average pooling on the GPU (shaders adaptive_avgpool_fwd, adaptive_avgpool_bwd), the
// reference's semantics (model/reference/adaptive_avgpool.h): PyTorch's AdaptiveAvgPool2d windows,
// fp32 sums. Backward is a gather (no atomics, deterministic) and needs only dy. At fp16 x, y, dy
// and dx are stored in 16 bits (adaptive_avgpool_*_fp16), the sums stay fp32.
#pragma once

#include <cstdint>

#include "model/ops/precision.h"
#include "model/reference/adaptive_avgpool.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class AdaptiveAvgPoolOp {
 public:
  // Throws std::invalid_argument on a shape the reference rejects, or past 2^32 - 1 elements.
  AdaptiveAvgPoolOp(vkrt::Context& context, ref::AdaptivePoolShape shape, Precision precision = Precision::Fp32);

  // x: (N, C, H, W) -> y: (N, C, OH, OW)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y) const;
  // dy: (N, C, OH, OW) -> dx: (N, C, H, W), every element written
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx) const;

  const ref::AdaptivePoolShape& shape() const { return shape_; }
  std::size_t input_count() const;   // N * C * H * W
  std::size_t output_count() const;  // N * C * OH * OW

 private:
  struct Push {  // mirrors adaptive_avgpool_fwd.comp / adaptive_avgpool_bwd.comp
    std::uint32_t count;
  };
  ref::AdaptivePoolShape shape_;
  Precision precision_;
  vkrt::Kernel forward_, backward_;
};

}  // namespace alexnet
