// Moving data between the host and device buffers. Host-visible buffers are written in place;
// others go through a temporary host-visible staging buffer and a one-off copy. Meant for set-up,
// checks and checkpoints; the training loop's per-step uploads use persistent Upload buffers.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "runtime/memory.h"

namespace vkrt {

class Context;

void write_bytes(Context& context, const Buffer& dst, std::span<const std::byte> bytes, std::size_t dst_offset = 0);
void read_bytes(Context& context, const Buffer& src, std::span<std::byte> bytes, std::size_t src_offset = 0);

template <class T>
void write(Context& context, const Buffer& dst, std::span<const T> values, std::size_t element_offset = 0) {
  write_bytes(context, dst, std::as_bytes(values), element_offset * sizeof(T));
}

template <class T>
std::vector<T> read(Context& context, const Buffer& src, std::size_t count, std::size_t element_offset = 0) {
  std::vector<T> out(count);
  read_bytes(context, src, std::as_writable_bytes(std::span<T>(out)), element_offset * sizeof(T));
  return out;
}

// A new device-local buffer holding `values`.
template <class T>
Buffer upload(Context& context, std::span<const T> values, Intent intent = Intent::DeviceLocal);

}  // namespace vkrt

#include "runtime/context.h"

template <class T>
vkrt::Buffer vkrt::upload(Context& context, std::span<const T> values, Intent intent) {
  Buffer buffer = context.allocator().allocate(values.size_bytes(), intent);
  write(context, buffer, values);
  return buffer;
}
