// The paper's SGD with momentum and weight decay on the GPU (shader sgd_momentum), in place:
//   v = momentum * v - weight_decay * lr * w - lr * g;   w = w + v
// with ref::sgd_momentum_update<float>'s float operations in its order (no FMA contraction), so
// the GPU matches the reference to the last bit on a conforming driver.
//
// The learning rate is READ FROM A BUFFER (one float at index 0), not recorded into the command
// buffer: a recorded training step can be replayed after the schedule lowers the rate by writing
// that buffer alone. Momentum and weight decay are fixed for a run, so they are push constants.
// Tensors larger than one binding's limits (fc6's 9216 x 4096 weights exceed llvmpipe's 128 MiB
// maxStorageBufferRange) are updated in several dispatches.
//
// w, v and g are read through RGBA32F texel views and w, v written as storage buffers (why, and
// the second "tail" pipeline for a partial texel: "Texel-wise element ops" in shaders/common.glsl).
#pragma once

#include <cstdint>

#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

// Fixed for a run (push constants); the learning rate changes and lives in a buffer.
struct SgdConfig {
  float momentum = 0.9f;
  float weight_decay = 5e-4f;
};

class SgdOp {
 public:
  // max_elements_per_dispatch: 0 for the device limits; a small value makes tests exercise the
  // chunks (it is rounded down to keep chunk offsets aligned, and never below that alignment).
  // texels_per_invocation: texels of four elements each invocation updates; tests pass 1 to reach
  // more than 65535 workgroups (the dispatch's spill into y).
  // unscale: the gradients hold S times the true ones (dynamic loss scaling, --precision fp16):
  // the update reads g * (1/S) with 1/S from a loss-scale buffer (sgd_momentum_unscale).
  explicit SgdOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch = 0,
                 std::uint32_t texels_per_invocation = 4, bool unscale = false);

  // w: (count) updated, v: (count) updated, g: (count), lr_buffer: (>= 1) with lr at index 0.
  // Ranges of w, v and g must start at an offset aligned to minStorageBufferOffsetAlignment and
  // minTexelBufferOffsetAlignment (Allocator ranges are). count 0 records nothing.
  void update(vkrt::Stream& stream, const vkrt::BufferRange& w, const vkrt::BufferRange& v, const vkrt::BufferRange& g,
              const vkrt::BufferRange& lr_buffer, std::uint64_t count, float momentum, float weight_decay,
              const vkrt::BufferRange* loss_scale = nullptr) const;
  // loss_scale (float S, float 1/S) is required iff the op was built with unscale.

 private:
  struct Push {  // mirrors sgd_momentum.comp
    std::uint32_t count;
    float momentum;
    float weight_decay;
  };
  std::uint64_t max_chunk_;  // elements per dispatch
  std::uint32_t texels_;     // per invocation (the shader's TEXELS)
  bool unscale_;
  vkrt::Kernel kernel_;      // the whole texels
  vkrt::Kernel tail_;        // the partial texel after them
};

}  // namespace alexnet
