// How every op validates the sizes of the buffers it is given, before recording anything: a binding
// shorter than the shape needs would make the shader read or write past it, which Vulkan does not
// report.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "runtime/stream.h"

namespace alexnet {

// Throws std::invalid_argument("<op>: <what> spans <bytes> bytes, needs <needed>") unless `range`
// holds at least `count` floats.
inline void require_floats(const char* op, const char* what, const vkrt::BufferRange& range, std::uint64_t count) {
  if (range.size < count * sizeof(float))
    throw std::invalid_argument(std::string(op) + ": " + what + " spans " + std::to_string(range.size) +
                                " bytes, needs " + std::to_string(count * sizeof(float)));
}

// The same for `count` elements of `element_bytes` each (an fp16 activation is 2 bytes).
inline void require_elements(const char* op, const char* what, const vkrt::BufferRange& range, std::uint64_t count,
                             std::uint32_t element_bytes) {
  if (range.size < count * element_bytes)
    throw std::invalid_argument(std::string(op) + ": " + what + " spans " + std::to_string(range.size) +
                                " bytes, needs " + std::to_string(count * element_bytes));
}

}  // namespace alexnet
