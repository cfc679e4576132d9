#include "runtime/transfer.h"

#include <cstring>

#include "runtime/context.h"
#include "runtime/error.h"
#include "runtime/stream.h"

namespace vkrt {

void write_bytes(Context& context, const Buffer& dst, std::span<const std::byte> bytes, std::size_t dst_offset) {
  if (dst_offset + bytes.size() > dst.size()) throw Error("write past the end of a buffer");
  if (bytes.empty()) return;
  if (dst.mapped()) {
    std::memcpy(static_cast<std::byte*>(dst.mapped()) + dst_offset, bytes.data(), bytes.size());
    return;
  }
  Buffer staging = context.allocator().allocate(bytes.size(), Intent::Upload);
  std::memcpy(staging.mapped(), bytes.data(), bytes.size());
  Stream stream(context);
  stream.begin();
  stream.copy(BufferRange(staging), BufferRange(dst, dst_offset, bytes.size()));
  stream.end();
  stream.submit_and_wait();
}

void read_bytes(Context& context, const Buffer& src, std::span<std::byte> bytes, std::size_t src_offset) {
  if (src_offset + bytes.size() > src.size()) throw Error("read past the end of a buffer");
  if (bytes.empty()) return;
  if (src.mapped()) {
    std::memcpy(bytes.data(), static_cast<const std::byte*>(src.mapped()) + src_offset, bytes.size());
    return;
  }
  Buffer staging = context.allocator().allocate(bytes.size(), Intent::Readback);
  Stream stream(context);
  stream.begin();
  stream.copy(BufferRange(src, src_offset, bytes.size()), BufferRange(staging));
  stream.end();
  stream.submit_and_wait();
  std::memcpy(bytes.data(), staging.mapped(), bytes.size());
}

}  // namespace vkrt
