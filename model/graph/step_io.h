// A step's input and output buffers on one device with their host-visible staging: the batch's
// images (floats, or bytes converted on the device by NormalizeInputOp) and labels, the
// per-sample loss and probabilities (copied back for the host), and the learning rate the SGD
// update reads. Every layout holds one per device; inference uses the first micro-batch of rows.
//
// Two staging slots: the host stages the next batch into one while the device still copies from
// the other, so a layout that submits step k and then stages batch k + 1 overlaps the two. stage()
// always writes the pending slot, the one the next submission reads; a layout that double-buffers
// calls advance() after each training submission, one that does not never does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "model/ops/normalize_input.h"
#include "runtime/memory.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

enum class InputKind { Floats, Bytes };

// A batch of images as the host has them: floats ready for the network, or bytes with the
// per-channel transform x = (byte - mean[c]) * scale[c] the device applies.
struct StagedImages {
  std::span<const float> floats;
  std::span<const std::uint8_t> bytes;
  std::span<const float> mean, scale;  // with bytes: one per channel
};

struct StepIo {
  // Buffers for `batch` images of (channels, plane) pixels and `classes` probabilities each.
  StepIo(vkrt::Context& context, int batch, int channels, std::size_t plane, int classes);

  // Copies images (batch or fewer) and labels (none for inference) into the pending slot.
  // Throws std::invalid_argument when they do not fit or the transform does not match.
  void stage(const StagedImages& images, std::span<const std::int32_t> labels);
  InputKind pending_kind() const { return slots_[pending_].kind; }
  int pending_slot() const { return pending_; }
  void advance() { pending_ ^= 1; }

  // Records, for staging slot `slot` holding `kind`: the copies of the first `count` images (and
  // labels, when `labels`) to the device-local buffers, the conversion of bytes, then a barrier.
  void record_upload(vkrt::Stream& stream, int slot, InputKind kind, int count, bool labels);
  // Records the copies of the first `count` losses (when `loss`) and probabilities back to the
  // host-visible readback buffers.
  void record_readback(vkrt::Stream& stream, int count, bool loss) const;
  // After a readback: the first `count` per-sample losses and probabilities.
  std::span<const float> loss_values(int count) const;
  std::span<const float> prob_values(int count) const;
  void set_lr(float lr);
  std::uint64_t bytes() const;  // of all the buffers allocated so far

  int batch;
  int channels;
  std::size_t plane, input_count;  // pixels per channel, floats per image
  int classes;
  vkrt::Buffer images, labels, loss, probs, loss_readback, probs_readback, lr;

 private:
  struct Slot {
    InputKind kind = InputKind::Floats;
    vkrt::Buffer floats, bytes, labels;  // staging, allocated at first use of their kind
    std::optional<InputTransformBuffer> transform;
  };
  vkrt::Context& context_;
  std::array<Slot, 2> slots_;
  int pending_ = 0;
  vkrt::Buffer device_bytes_;  // the bytes on the device, allocated at the first byte batch
  std::optional<NormalizeInputOp> normalize_;
};

}  // namespace alexnet
