// fp32 -> fp16 on the GPU (shaders/to_half.comp), round to nearest even as ref::round_to_half: the
// network's input at --precision fp16. The step's images stay fp32 where they are staged and
// normalised (StepIo, normalize_input); one pass per micro-batch stores them as the first layer's
// fp16 input. Counts past one binding's limits are cut into chunks, one dispatch each.
#pragma once

#include <cstdint>

#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class ToHalfOp {
 public:
  // Throws vkrt::Error when the device cannot store fp16 (require_precision).
  explicit ToHalfOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch = 0);

  // x: (count) floats -> y: (count) fp16.
  void record(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y, std::uint64_t count) const;

 private:
  struct Push {  // mirrors to_half.comp
    std::uint32_t count;
  };
  std::uint64_t max_chunk_;  // elements per dispatch, aligned for the fp32 input and the fp16 output
  vkrt::Kernel main_, tail_;
};

}  // namespace alexnet
