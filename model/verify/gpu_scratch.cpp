#include "model/verify/gpu_scratch.h"

#include <limits>

#include "model/reference/half.h"
#include "runtime/context.h"
#include "runtime/transfer.h"

namespace alexnet::verify {

GpuScratch::GpuScratch(vkrt::Context& context) : context_(context), stream_(context) {}

const vkrt::Buffer& GpuScratch::input(std::span<const float> values) {
  return buffers_.emplace_back(vkrt::upload(context_, values));
}

const vkrt::Buffer& GpuScratch::input(std::span<const std::int32_t> values) {
  return buffers_.emplace_back(vkrt::upload(context_, values));
}

const vkrt::Buffer& GpuScratch::output(std::size_t count) {
  std::vector<float> nan(count, std::numeric_limits<float>::quiet_NaN());
  return input(nan);
}

const vkrt::Buffer& GpuScratch::input_half(std::span<const float> values) {
  const std::vector<std::uint16_t> bits = ref::to_half(values);
  return buffers_.emplace_back(vkrt::upload(context_, std::span<const std::uint16_t>(bits)));
}

const vkrt::Buffer& GpuScratch::output_half(std::size_t count) {
  const std::vector<std::uint16_t> nan(count, 0x7e00u);  // fp16 quiet NaN
  return buffers_.emplace_back(vkrt::upload(context_, std::span<const std::uint16_t>(nan)));
}

void GpuScratch::run(const std::function<void(vkrt::Stream&)>& record) {
  stream_.begin();
  record(stream_);
  stream_.end();
  stream_.submit_and_wait();
}

std::vector<float> GpuScratch::read(const vkrt::Buffer& buffer) const {
  return vkrt::read<float>(context_, buffer, buffer.size() / sizeof(float));
}

std::vector<float> GpuScratch::read_half(const vkrt::Buffer& buffer) const {
  return ref::from_half(vkrt::read<std::uint16_t>(context_, buffer, buffer.size() / sizeof(std::uint16_t)));
}

std::vector<std::int32_t> GpuScratch::read_i32(const vkrt::Buffer& buffer) const {
  return vkrt::read<std::int32_t>(context_, buffer, buffer.size() / sizeof(std::int32_t));
}

}  // namespace alexnet::verify
