// How the elementwise ops (activation, dropout, sgd) cut a long tensor into dispatches: each
// chunk's storage binding fits maxStorageBufferRange and its RGBA32F texel view fits
// maxTexelBufferElements, and every chunk after the first starts at an offset that both binding
// kinds accept.
#pragma once

#include <cstdint>

#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

// Elements of `element_bytes` (4: fp32, 2: fp16) per dispatch on this device, at most `requested`
// (rounded up to one alignment unit) when requested > 0; a multiple of 4 (a texel) and of both
// offset alignments.
std::uint64_t elementwise_chunk_elements(const vkrt::Context& context, std::uint64_t requested,
                                         std::uint32_t element_bytes = 4);

// Elements [first, first + count) of a float range.
inline vkrt::BufferRange float_slice(const vkrt::BufferRange& range, std::uint64_t first, std::uint64_t count) {
  return range.sub(first * sizeof(float), count * sizeof(float));
}

// Elements [first, first + count) of a range of `element_bytes` elements.
inline vkrt::BufferRange element_slice(const vkrt::BufferRange& range, std::uint64_t first, std::uint64_t count,
                                       std::uint32_t element_bytes) {
  return range.sub(first * element_bytes, count * element_bytes);
}

}  // namespace alexnet
