#include "model/graph/step_io.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "runtime/context.h"

namespace alexnet {

StepIo::StepIo(vkrt::Context& context, int batch_images, std::size_t input_floats, int class_count)
    : batch(batch_images), input_count(input_floats), classes(class_count) {
  auto& a = context.allocator();
  const std::size_t b = batch, f = sizeof(float);
  images_staging = a.allocate(b * input_count * f, vkrt::Intent::Upload);
  labels_staging = a.allocate(b * f, vkrt::Intent::Upload);
  images = a.allocate(b * input_count * f, vkrt::Intent::DeviceLocal);
  labels = a.allocate(b * f, vkrt::Intent::DeviceLocal);
  loss = a.allocate(b * f, vkrt::Intent::DeviceLocal);
  probs = a.allocate(b * classes * f, vkrt::Intent::DeviceLocal);
  loss_readback = a.allocate(b * f, vkrt::Intent::Readback);
  probs_readback = a.allocate(b * classes * f, vkrt::Intent::Readback);
  lr = a.allocate(f, vkrt::Intent::Upload);
}

void StepIo::stage(std::span<const float> host_images, std::span<const std::int32_t> host_labels) {
  if (host_images.size() > std::size_t(batch) * input_count || host_labels.size() > std::size_t(batch))
    throw std::invalid_argument("a batch of " + std::to_string(host_labels.size()) + " images does not fit the " +
                                std::to_string(batch) + " the model's buffers hold");
  std::memcpy(images_staging.mapped(), host_images.data(), host_images.size_bytes());
  std::memcpy(labels_staging.mapped(), host_labels.data(), host_labels.size_bytes());
}

void StepIo::record_upload(vkrt::Stream& stream, int count, bool with_labels) const {
  const std::size_t n = count, f = sizeof(float);
  stream.copy(vkrt::BufferRange(images_staging, 0, n * input_count * f), vkrt::BufferRange(images, 0, n * input_count * f));
  if (with_labels) stream.copy(vkrt::BufferRange(labels_staging, 0, n * f), vkrt::BufferRange(labels, 0, n * f));
  stream.barrier();
}

void StepIo::record_readback(vkrt::Stream& stream, int count, bool with_loss) const {
  const std::size_t n = count, f = sizeof(float);
  if (with_loss) stream.copy(vkrt::BufferRange(loss, 0, n * f), vkrt::BufferRange(loss_readback, 0, n * f));
  stream.copy(vkrt::BufferRange(probs, 0, n * classes * f), vkrt::BufferRange(probs_readback, 0, n * classes * f));
}

std::span<const float> StepIo::loss_values(int count) const {
  return loss_readback.host_span<float>().first(count);
}

std::span<const float> StepIo::prob_values(int count) const {
  return probs_readback.host_span<float>().first(std::size_t(count) * classes);
}

void StepIo::set_lr(float value) { *static_cast<float*>(lr.mapped()) = value; }

std::uint64_t StepIo::bytes() const {
  std::uint64_t total = 0;
  for (const vkrt::Buffer* b :
       {&images_staging, &labels_staging, &images, &labels, &loss, &probs, &loss_readback, &probs_readback, &lr})
    total += b->size();
  return total;
}

}  // namespace alexnet
