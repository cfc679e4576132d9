#include "model/graph/round_slices.h"

#include <algorithm>

#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::size_t F = 4;  // bytes of a float or an int32

}  // namespace

RoundSlices::RoundSlices(vkrt::Context& context, std::size_t micro_batch, std::size_t floats_per_image,
                         std::size_t classes)
    : micro_batch_(micro_batch),
      // What a dispatch checks (runtime/stream.cpp); the allocator's alignment is coarser (256).
      alignment_(std::max(context.limits().minStorageBufferOffsetAlignment,
                          context.limits().minTexelBufferOffsetAlignment)) {
  images_.bytes = micro_batch * floats_per_image * F;
  labels_.bytes = loss_.bytes = micro_batch * F;
  probs_.bytes = micro_batch * classes * F;
  // Round r starts at r * bytes: every round is aligned exactly when the first after round 0 is.
  for (Slice* s : {&images_, &labels_, &loss_, &probs_})
    if (s->bytes % alignment_ != 0) s->scratch = context.allocator().allocate(s->bytes, vkrt::Intent::DeviceLocal);
}

bool RoundSlices::copies(const Slice& slice, const vkrt::Buffer* buffer, std::size_t first) const {
  return buffer && slice.scratch && (first / micro_batch_) * slice.bytes % alignment_ != 0;
}

vkrt::BufferRange RoundSlices::place(const Slice& slice, const vkrt::Buffer& buffer, std::size_t first) const {
  return vkrt::BufferRange(buffer, (first / micro_batch_) * slice.bytes, slice.bytes);
}

vkrt::BufferRange RoundSlices::bound(const Slice& slice, const vkrt::Buffer* buffer, std::size_t first) const {
  static const vkrt::Buffer none;
  if (!buffer) return vkrt::BufferRange(none);
  return copies(slice, buffer, first) ? vkrt::BufferRange(slice.scratch) : place(slice, *buffer, first);
}

RoundSlices::Round RoundSlices::begin(vkrt::Stream& stream, const StepBuffers& step, std::size_t first) const {
  const Round round{bound(images_, step.images, first), bound(labels_, step.labels, first),
                    bound(loss_, step.loss, first), bound(probs_, step.probs, first)};
  // Loss and probs are outputs: end() copies them out.
  const bool images_in = copies(images_, step.images, first), labels_in = copies(labels_, step.labels, first);
  if (images_in || labels_in) {
    stream.barrier();
    if (images_in) stream.copy(place(images_, *step.images, first), round.images);
    if (labels_in) stream.copy(place(labels_, *step.labels, first), round.labels);
    stream.barrier();
  }
  return round;
}

void RoundSlices::end(vkrt::Stream& stream, const Round& round, const StepBuffers& step, std::size_t first) const {
  bool copied = false;
  if (copies(loss_, step.loss, first)) {
    stream.copy(round.loss, place(loss_, *step.loss, first));
    copied = true;
  }
  if (copies(probs_, step.probs, first)) {
    stream.copy(round.probs, place(probs_, *step.probs, first));
    copied = true;
  }
  if (copied) stream.barrier();
}

}  // namespace alexnet
