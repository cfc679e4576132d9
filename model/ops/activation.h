// Elementwise activations on the GPU: ReLU (the paper's) and tanh (for its ReLU-vs-tanh result).
// Both backward passes read the forward OUTPUT, so the input buffer may be overwritten in place
// (forward may be called with y == x, backward with dx == dy).
//
// Inputs are read through RGBA32F texel views and outputs written as storage buffers (why, and
// the second "tail" pipeline for a partial texel: "Texel-wise element ops" in
// shaders/common.glsl), so every range must start at an offset that suits both (Allocator ranges
// do). Counts past one binding's limits are cut into chunks, one dispatch each.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "model/ops/precision.h"
#include "model/reference/activation.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class ActivationOp {
 public:
  // max_elements_per_dispatch: 0 for the device limits; a small value makes tests exercise the
  // chunks (it is rounded down to keep chunk offsets aligned, and never below that alignment).
  // precision: fp16 stores x, y, dy and dx in 16 bits (relu_fwd_fp16, ...: RGBA16F views in, fp16
  // out, fp32 arithmetic); throws vkrt::Error when the device cannot (require_precision).
  ActivationOp(vkrt::Context& context, Activation kind, std::uint64_t max_elements_per_dispatch = 0,
               Precision precision = Precision::Fp32);

  // x, y: (count)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
               std::uint32_t count) const;
  // y, dy, dx: (count)
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& y, const vkrt::BufferRange& dy,
                const vkrt::BufferRange& dx, std::uint32_t count) const;

 private:
  struct Push {  // mirrors relu_* / tanh_*.comp
    std::uint32_t count;
  };
  // One shader as two pipelines: the whole texels, and the partial texel after them.
  struct Kernels {
    vkrt::Kernel main, tail;
  };
  static Kernels kernels(vkrt::Context& context, const std::string& shader);
  // Dispatches `kernels` over n elements of every buffer, in chunks of at most max_chunk_.
  void record(vkrt::Stream& stream, const Kernels& kernels, std::initializer_list<vkrt::BufferRange> buffers,
              std::uint64_t n) const;

  Precision precision_;
  std::uint64_t max_chunk_;  // elements per dispatch: fits both bindings' limits, offsets stay aligned
  Kernels forward_;
  Kernels backward_;
};

}  // namespace alexnet
