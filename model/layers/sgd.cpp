#include "model/layers/sgd.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

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

SgdOp::SgdOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch)
    : max_chunk_(max_chunk(context, max_elements_per_dispatch)),
      kernel_(context, {"sgd_momentum", {kLocal, 1, 1}, {}}) {}

void SgdOp::update(vkrt::Stream& stream, const vkrt::BufferRange& w, const vkrt::BufferRange& v,
                   const vkrt::BufferRange& g, const vkrt::BufferRange& lr_buffer, std::uint64_t count, float momentum,
                   float weight_decay) const {
  const std::uint64_t bytes = count * sizeof(float);
  if (w.size < bytes || v.size < bytes || g.size < bytes)
    throw std::invalid_argument("SgdOp: w, v or g holds fewer than " + std::to_string(count) + " floats");
  if (lr_buffer.size < sizeof(float)) throw std::invalid_argument("SgdOp: lr_buffer holds no float");
  const vkrt::BufferRange lr = slice(lr_buffer, 0, 1);
  for (std::uint64_t first = 0; first < count; first += max_chunk_) {
    const std::uint64_t n = std::min(max_chunk_, count - first);
    stream.dispatch(kernel_, {slice(w, first, n), slice(v, first, n), slice(g, first, n), lr},
                    Push{static_cast<std::uint32_t>(n), momentum, weight_decay}, vkrt::linear_groups(n, kLocal));
  }
}

}  // namespace alexnet
