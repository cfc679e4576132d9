// Dynamic loss scaling on the device (--precision fp16): the scale's buffer and the check for
// gradients that overflowed.
//
// fp16 stores the activation gradients in 16 bits, whose smallest normal value is 2^-14: most of
// a network's gradients would flush to zero. So the loss gradient is multiplied by a scale S (a
// power of two; softmax_xent_bwd_fp16 reads it from LossScaleBuffer), every gradient after it is
// S times the true one, and the SGD update divides by S again (sgd_momentum_unscale). When S is
// too large some gradient overflows fp16 to an infinity (or a NaN follows from one):
// NonFiniteCheckOp finds that on the device, the step's update is skipped and S halved
// (model/train/loss_scaler.h decides; the host only reads one uint back per step).
#pragma once

#include <cstdint>

#include "runtime/kernel.h"
#include "runtime/memory.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

// A host-visible buffer of (float S, float 1/S) that the shaders read when the work runs, so a
// recorded step replays with whatever scale the host wrote last; and the overflow flag (one uint).
class LossScaleBuffer {
 public:
  explicit LossScaleBuffer(vkrt::Context& context);
  // Throws std::invalid_argument unless scale is a positive, finite float.
  void set(float scale);
  float scale() const;
  vkrt::BufferRange scale_range() const { return vkrt::BufferRange(buffer_, 0, 2 * sizeof(float)); }
  vkrt::BufferRange flag_range() const { return vkrt::BufferRange(flag_); }
  // The flag: set by NonFiniteCheckOp during a step, cleared by the host before the next.
  void clear_flag();
  bool flag() const;

 private:
  vkrt::Buffer buffer_, flag_;
};

// Sets the flag when any of a tensor's floats is a NaN or an infinity (shaders/nonfinite_flag.comp).
class NonFiniteCheckOp {
 public:
  explicit NonFiniteCheckOp(vkrt::Context& context);
  // g: (count) floats; flag: one uint, or'ed with 1 when g holds a non-finite value. Tensors past
  // one binding's limits are checked in chunks.
  void record(vkrt::Stream& stream, const vkrt::BufferRange& g, std::uint64_t count,
              const vkrt::BufferRange& flag) const;

 private:
  struct Push {  // mirrors nonfinite_flag.comp
    std::uint32_t count;
  };
  std::uint64_t max_chunk_;
  vkrt::Kernel kernel_;
};

}  // namespace alexnet
