#include "model/ops/elementwise_chunks.h"

#include <algorithm>

#include "runtime/context.h"

namespace alexnet {

std::uint64_t elementwise_chunk_elements(const vkrt::Context& context, std::uint64_t requested) {
  const auto& limits = context.limits();
  const std::uint64_t align = std::max<std::uint64_t>(
      {limits.minStorageBufferOffsetAlignment, limits.minTexelBufferOffsetAlignment, 16});
  std::uint64_t bytes = std::min<std::uint64_t>(limits.maxStorageBufferRange,
                                                std::uint64_t(limits.maxTexelBufferElements) * 16);
  if (requested > 0) bytes = std::min(bytes, std::max(requested * sizeof(float), align));
  return bytes / align * align / sizeof(float);
}

}  // namespace alexnet
