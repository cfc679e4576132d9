// A step's input and output buffers on one device with their host-visible staging: the batch's
// images and labels (copied up from staging), the per-sample loss and probabilities (copied back
// for the host), and the learning rate the SGD update reads. Every layout holds one per device;
// inference uses its first micro-batch of rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "runtime/memory.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

struct StepIo {
  // Buffers for `batch` images of `input_count` floats and `classes` probabilities each.
  StepIo(vkrt::Context& context, int batch, std::size_t input_count, int classes);

  // Copies the host's batch (batch images and labels, or fewer) into the staging buffers.
  void stage(std::span<const float> images, std::span<const std::int32_t> labels);
  // Records the copies of the first `count` images (and labels, when `labels`) from staging to the
  // device-local buffers, then a barrier.
  void record_upload(vkrt::Stream& stream, int count, bool labels) const;
  // Records the copies of the first `count` losses (when `loss`) and probabilities back to the
  // host-visible readback buffers.
  void record_readback(vkrt::Stream& stream, int count, bool loss) const;
  // After a readback: the first `count` per-sample losses and probabilities.
  std::span<const float> loss_values(int count) const;
  std::span<const float> prob_values(int count) const;
  void set_lr(float lr);
  std::uint64_t bytes() const;  // of all the buffers

  int batch;
  std::size_t input_count;
  int classes;
  vkrt::Buffer images_staging, labels_staging, images, labels, loss, probs, loss_readback, probs_readback, lr;
};

}  // namespace alexnet
