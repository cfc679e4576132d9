#include "model/ops/elementwise_chunks.h"

#include <algorithm>

#include "runtime/context.h"

namespace alexnet {

std::uint64_t elementwise_chunk_elements(const vkrt::Context& context, std::uint64_t requested,
                                         std::uint32_t element_bytes) {
  const auto& limits = context.limits();
  const std::uint64_t align = std::max<std::uint64_t>(
      {limits.minStorageBufferOffsetAlignment, limits.minTexelBufferOffsetAlignment, 16});
  std::uint64_t bytes = std::min<std::uint64_t>(limits.maxStorageBufferRange,
                                                std::uint64_t(limits.maxTexelBufferElements) * 4 * element_bytes);
  if (requested > 0) bytes = std::min(bytes, std::max(requested * element_bytes, align));
  return bytes / align * align / element_bytes;
}

}  // namespace alexnet
