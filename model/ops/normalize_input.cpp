#include "model/ops/normalize_input.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "runtime/context.h"

namespace alexnet {
namespace {
constexpr std::uint32_t kLocal = 64;
}

InputTransformBuffer::InputTransformBuffer(vkrt::Context& context)
    : buffer_(context.allocator().allocate(8 * sizeof(float), vkrt::Intent::Upload)) {
  auto v = buffer_.host_span<float>();
  std::fill(v.begin(), v.begin() + 8, 0.0f);
}

void InputTransformBuffer::set(std::span<const float> mean, std::span<const float> scale) {
  if (mean.size() > 4 || mean.size() != scale.size())
    throw std::invalid_argument("input transform: " + std::to_string(mean.size()) + " means and " +
                                std::to_string(scale.size()) + " scales (one each per channel, at most 4)");
  auto v = buffer_.host_span<float>();
  std::copy(mean.begin(), mean.end(), v.begin());
  std::copy(scale.begin(), scale.end(), v.begin() + 4);
}

NormalizeInputOp::NormalizeInputOp(vkrt::Context& context)
    : context_(context), kernel_(context, vkrt::KernelDesc{"normalize_input", {kLocal, 1, 1}, {}}) {}

void NormalizeInputOp::record(vkrt::Stream& stream, const vkrt::Buffer& bytes, std::uint64_t first,
                              std::uint64_t count, const InputTransformBuffer& transform, const vkrt::BufferRange& x,
                              std::uint32_t plane, std::uint32_t channels) const {
  if (channels < 1 || channels > 4 || plane < 1)
    throw std::invalid_argument("NormalizeInputOp: needs 1 to 4 channels of at least one pixel");
  if (first + count > bytes.size() || x.size < count * sizeof(float) || count >= (std::uint64_t(1) << 32))
    throw std::invalid_argument("NormalizeInputOp: " + std::to_string(count) + " bytes from " + std::to_string(first) +
                                " do not fit the buffers");
  if (count == 0) return;
  // The bytes are bound from the aligned offset at or below `first` (and whole words to past the
  // end), so any micro-batch of any image size can be converted in place.
  const std::uint64_t align = std::max<std::uint64_t>(context_.limits().minStorageBufferOffsetAlignment, 4);
  const std::uint64_t start = first / align * align;
  const std::uint64_t end = std::min<std::uint64_t>((first + count + 3) / 4 * 4, bytes.size());
  const Push push{static_cast<std::uint32_t>(count), static_cast<std::uint32_t>(first - start),
                  static_cast<std::uint32_t>(first % (std::uint64_t(plane) * channels)), plane, channels};
  stream.dispatch(kernel_, {vkrt::BufferRange(bytes, start, end - start), transform.buffer(), x}, push,
                  vkrt::linear_groups((count + 3) / 4, kLocal));
}

}  // namespace alexnet
