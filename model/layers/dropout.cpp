#include "model/layers/dropout.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;
constexpr std::uint64_t kIndexLimit = std::uint64_t(1) << 32;  // global indices are 32-bit in the shader

vkrt::KernelDesc desc(const char* shader) { return {shader, {kLocal, 1, 1}, {}}; }

// Elements per dispatch: the byte size fits one storage-buffer binding (or the requested cap) and
// is a multiple of the offset alignment, so that every chunk after the first starts aligned.
std::uint64_t max_chunk(const vkrt::Context& context, std::uint64_t requested) {
  const std::uint64_t align = std::max<std::uint64_t>(context.limits().minStorageBufferOffsetAlignment, 4);
  std::uint64_t bytes = context.limits().maxStorageBufferRange;
  if (requested > 0) bytes = std::min(bytes, std::max(requested * sizeof(float), align));
  return bytes / align * align / sizeof(float);
}

// Elements [first, first + count) of a float range.
vkrt::BufferRange slice(vkrt::BufferRange range, std::uint64_t first, std::uint64_t count) {
  range.offset += first * sizeof(float);
  range.size = count * sizeof(float);
  return range;
}

}  // namespace

DropoutOp::DropoutOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch)
    : max_chunk_(max_chunk(context, max_elements_per_dispatch)),
      forward_(context, desc("dropout_fwd")),
      backward_(context, desc("dropout_bwd")) {}

void DropoutOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                        std::uint64_t count, float p, std::uint32_t seed, std::uint32_t step,
                        std::uint64_t element_offset) const {
  record(forward_, stream, x, y, count, p, seed, step, element_offset);
}

void DropoutOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx,
                         std::uint64_t count, float p, std::uint32_t seed, std::uint32_t step,
                         std::uint64_t element_offset) const {
  record(backward_, stream, dy, dx, count, p, seed, step, element_offset);
}

void DropoutOp::record(const vkrt::Kernel& kernel, vkrt::Stream& stream, const vkrt::BufferRange& in,
                       const vkrt::BufferRange& out, std::uint64_t count, float p, std::uint32_t seed,
                       std::uint32_t step, std::uint64_t element_offset) const {
  const std::string op = "DropoutOp(" + kernel.name() + "): ";
  // Written so that NaN fails too; p == 1 would make the scale infinite.
  if (!(p >= 0.0f && p < 1.0f)) throw std::invalid_argument(op + "p must be in [0, 1), got " + std::to_string(p));
  if (element_offset > kIndexLimit || count > kIndexLimit - element_offset)
    throw std::invalid_argument(op + "element_offset + count must not exceed 2^32");
  if (in.size < count * sizeof(float) || out.size < count * sizeof(float))
    throw std::invalid_argument(op + "buffers hold fewer than " + std::to_string(count) + " floats");
  const float scale = 1.0f / (1.0f - p);  // the reference's T(1) / (T(1) - T(p)) in float
  for (std::uint64_t first = 0; first < count; first += max_chunk_) {
    const std::uint64_t n = std::min(max_chunk_, count - first);
    const std::uint64_t offset = element_offset + first;
    const Push push{static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(offset), seed, step, p, scale};
    // One invocation per Philox block of four global indices touched by [offset, offset + n).
    const std::uint64_t blocks = ((offset + n - 1) >> 2) - (offset >> 2) + 1;
    stream.dispatch(kernel, {slice(in, first, n), slice(out, first, n)}, push, vkrt::linear_groups(blocks, kLocal));
  }
}

}  // namespace alexnet
