// A micro-batch round's slices of a step's buffers (images, labels, per-sample loss,
// probabilities), where the kernels can bind them.
//
// Round r's slice of a buffer starts at r times the slice's bytes. A kernel binds a buffer only at
// an offset aligned for storage and texel buffers (16 bytes on most devices, up to 256 on some),
// so a micro-batch whose slice is not a multiple of that (2 labels are 8 bytes; 1 image of
// 3 x 227 x 227 floats is 618348) leaves the later rounds' slices where no kernel can bind them.
// Such a slice goes through a scratch buffer of one round instead: copied in before the round
// (images, labels) and out after its loss (loss, probabilities). Copies need no such alignment.
// A slice that is always aligned (the usual case: a micro-batch that is a multiple of 4 at
// alignment 16) is bound where it lies and costs nothing.
#pragma once

#include <cstddef>

#include "runtime/memory.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

// A step's buffers, sample-major; a null entry is not part of the step (inference has no labels
// or loss of its own).
struct StepBuffers {
  const vkrt::Buffer* images = nullptr;  // floats_per_image floats per sample
  const vkrt::Buffer* labels = nullptr;  // one int32 per sample
  const vkrt::Buffer* loss = nullptr;    // one float per sample
  const vkrt::Buffer* probs = nullptr;   // classes floats per sample
};

class RoundSlices {
 public:
  // Allocates a scratch buffer of one round for each kind of slice that can be misaligned.
  RoundSlices(vkrt::Context& context, std::size_t micro_batch, std::size_t floats_per_image, std::size_t classes);

  struct Round {
    vkrt::BufferRange images, labels, loss, probs;  // to bind (the step's slices, or scratch)
  };
  // The round whose first sample is `first`: records the copies into scratch (after a barrier,
  // since the previous round's kernels may still read the scratch) and a barrier after them, when
  // any slice needs one. The entries of `step` that are null come back as empty ranges.
  Round begin(vkrt::Stream& stream, const StepBuffers& step, std::size_t first) const;
  // After the round's loss forward (and its barrier): records the copies of loss and probs from
  // scratch to the step's slices, then a barrier, when they went through scratch.
  void end(vkrt::Stream& stream, const Round& round, const StepBuffers& step, std::size_t first) const;

 private:
  struct Slice {
    std::size_t bytes = 0;  // per round
    vkrt::Buffer scratch;   // allocated when some round's slice is misaligned
  };
  // The round's slice of `buffer` where it lies.
  vkrt::BufferRange place(const Slice& slice, const vkrt::Buffer& buffer, std::size_t first) const;
  // What the round binds for `buffer` (null: an empty range): its slice, or the scratch.
  vkrt::BufferRange bound(const Slice& slice, const vkrt::Buffer* buffer, std::size_t first) const;
  // Whether that slice goes through the scratch buffer.
  bool copies(const Slice& slice, const vkrt::Buffer* buffer, std::size_t first) const;

  std::size_t micro_batch_;
  VkDeviceSize alignment_;
  Slice images_, labels_, loss_, probs_;
};

}  // namespace alexnet
