#include "model/graph/step_io.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "runtime/context.h"

namespace alexnet {
namespace {
constexpr std::size_t F = sizeof(float);
std::size_t words_of(std::size_t bytes) { return (bytes + 3) / 4 * 4; }  // the shader reads whole words
}  // namespace

StepIo::StepIo(vkrt::Context& context, int batch_images, int image_channels, std::size_t pixels_per_plane,
               int class_count)
    : batch(batch_images),
      channels(image_channels),
      plane(pixels_per_plane),
      input_count(std::size_t(image_channels) * pixels_per_plane),
      classes(class_count),
      context_(context) {
  auto& a = context.allocator();
  const std::size_t b = batch;
  images = a.allocate(b * input_count * F, vkrt::Intent::DeviceLocal);
  labels = a.allocate(b * F, vkrt::Intent::DeviceLocal);
  loss = a.allocate(b * F, vkrt::Intent::DeviceLocal);
  probs = a.allocate(b * classes * F, vkrt::Intent::DeviceLocal);
  loss_readback = a.allocate(b * F, vkrt::Intent::Readback);
  probs_readback = a.allocate(b * classes * F, vkrt::Intent::Readback);
  lr = a.allocate(F, vkrt::Intent::Upload);
}

void StepIo::stage(const StagedImages& host, std::span<const std::int32_t> host_labels) {
  const bool bytes_given = !host.bytes.empty();
  const std::size_t values = bytes_given ? host.bytes.size() : host.floats.size();
  if (values > std::size_t(batch) * input_count || host_labels.size() > std::size_t(batch))
    throw std::invalid_argument("a batch of " + std::to_string(values / input_count) + " images does not fit the " +
                                std::to_string(batch) + " the model's buffers hold");
  auto& a = context_.allocator();
  Slot& slot = slots_[pending_];
  if (bytes_given) {
    if (host.mean.size() != std::size_t(channels) || host.scale.size() != std::size_t(channels))
      throw std::invalid_argument("a batch of bytes needs a mean and a scale per channel (" + std::to_string(channels) + ")");
    if (!slot.bytes) slot.bytes = a.allocate(words_of(std::size_t(batch) * input_count), vkrt::Intent::Upload);
    if (!slot.transform) slot.transform.emplace(context_);
    std::memcpy(slot.bytes.mapped(), host.bytes.data(), host.bytes.size());
    slot.transform->set(host.mean, host.scale);
  } else {
    if (!slot.floats) slot.floats = a.allocate(std::size_t(batch) * input_count * F, vkrt::Intent::Upload);
    std::memcpy(slot.floats.mapped(), host.floats.data(), host.floats.size_bytes());
  }
  slot.kind = bytes_given ? InputKind::Bytes : InputKind::Floats;
  if (!host_labels.empty()) {
    if (!slot.labels) slot.labels = a.allocate(std::size_t(batch) * F, vkrt::Intent::Upload);
    std::memcpy(slot.labels.mapped(), host_labels.data(), host_labels.size_bytes());
  }
}

void StepIo::record_upload(vkrt::Stream& stream, int slot_index, InputKind kind, int count, bool with_labels) {
  Slot& slot = slots_.at(slot_index);
  auto& a = context_.allocator();
  const std::size_t n = count, values = n * input_count;
  if (with_labels) {
    if (!slot.labels) slot.labels = a.allocate(std::size_t(batch) * F, vkrt::Intent::Upload);
    stream.copy(vkrt::BufferRange(slot.labels, 0, n * F), vkrt::BufferRange(labels, 0, n * F));
  }
  if (kind == InputKind::Floats) {
    if (!slot.floats) slot.floats = a.allocate(std::size_t(batch) * input_count * F, vkrt::Intent::Upload);
    stream.copy(vkrt::BufferRange(slot.floats, 0, values * F), vkrt::BufferRange(images, 0, values * F));
    stream.barrier();
    return;
  }
  if (!slot.bytes) slot.bytes = a.allocate(words_of(std::size_t(batch) * input_count), vkrt::Intent::Upload);
  if (!slot.transform) slot.transform.emplace(context_);
  if (!device_bytes_) device_bytes_ = a.allocate(words_of(std::size_t(batch) * input_count), vkrt::Intent::DeviceLocal);
  if (!normalize_) normalize_.emplace(context_);
  stream.copy(vkrt::BufferRange(slot.bytes, 0, words_of(values)), vkrt::BufferRange(device_bytes_, 0, words_of(values)));
  stream.barrier();
  // One conversion per image at most 128 MiB of floats, the guaranteed storage-buffer range.
  const std::size_t per_call = std::max<std::size_t>(1, (std::size_t(128) << 20) / (input_count * F));
  for (std::size_t first = 0; first < n; first += per_call) {
    const std::size_t m = std::min(per_call, n - first);
    normalize_->record(stream, device_bytes_, first * input_count, m * input_count, *slot.transform,
                       vkrt::BufferRange(images, first * input_count * F, m * input_count * F),
                       static_cast<std::uint32_t>(plane), static_cast<std::uint32_t>(channels));
  }
  stream.barrier();
}

void StepIo::record_readback(vkrt::Stream& stream, int count, bool with_loss) const {
  const std::size_t n = count;
  if (with_loss) stream.copy(vkrt::BufferRange(loss, 0, n * F), vkrt::BufferRange(loss_readback, 0, n * F));
  stream.copy(vkrt::BufferRange(probs, 0, n * classes * F), vkrt::BufferRange(probs_readback, 0, n * classes * F));
}

std::span<const float> StepIo::loss_values(int count) const { return loss_readback.host_span<float>().first(count); }

std::span<const float> StepIo::prob_values(int count) const {
  return probs_readback.host_span<float>().first(std::size_t(count) * classes);
}

void StepIo::set_lr(float value) { *static_cast<float*>(lr.mapped()) = value; }

std::uint64_t StepIo::bytes() const {
  std::uint64_t total = 0;
  for (const vkrt::Buffer* b : {&images, &labels, &loss, &probs, &loss_readback, &probs_readback, &lr, &device_bytes_})
    total += b->size();
  for (const Slot& s : slots_) total += s.floats.size() + s.bytes.size() + s.labels.size();
  return total;
}

}  // namespace alexnet
