// Device memory: a few large blocks per intent, sub-allocated first-fit. Allocating one
// VkDeviceMemory per tensor would hit maxMemoryAllocationCount and waste alignment; here each block
// is one VkDeviceMemory bound to one VkBuffer, and a Buffer is an (offset, size) range inside it.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace vkrt {

class Context;
class Allocator;

enum class Intent {
  DeviceLocal,  // fastest for the GPU; the host cannot see it (on a discrete GPU)
  Upload,       // host-visible, coherent: the host writes, the GPU reads
  Readback,     // host-visible, coherent, cached where possible: the GPU writes, the host reads
};

const char* intent_name(Intent intent);

// A move-only owning range of device memory. Returns itself to the allocator on destruction,
// so it must not outlive the Context it came from.
class Buffer {
 public:
  Buffer() = default;
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  explicit operator bool() const { return allocator_ != nullptr; }
  VkBuffer handle() const { return handle_; }
  VkDeviceSize offset() const { return offset_; }
  VkDeviceSize size() const { return size_; }
  Intent intent() const { return intent_; }

  // Host pointer for Upload and Readback buffers (nullptr for DeviceLocal).
  void* mapped() const { return mapped_; }
  template <class T>
  std::span<T> host_span() const {
    return {static_cast<T*>(mapped_), mapped_ ? size_ / sizeof(T) : 0};
  }

 private:
  friend class Allocator;
  Allocator* allocator_ = nullptr;
  int block_ = -1;
  VkBuffer handle_ = VK_NULL_HANDLE;
  VkDeviceSize offset_ = 0;
  VkDeviceSize size_ = 0;
  Intent intent_ = Intent::DeviceLocal;
  void* mapped_ = nullptr;
};

struct MemoryStats {
  VkDeviceSize bytes_in_use = 0;   // by live Buffers, all intents
  VkDeviceSize peak_in_use = 0;
  VkDeviceSize bytes_reserved = 0; // in VkDeviceMemory blocks
  std::size_t block_count = 0;
  VkDeviceSize device_local_in_use = 0;
};

class Allocator {
 public:
  explicit Allocator(Context& context);
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // Throws OutOfMemoryError with the size asked and what the heap holds when it cannot be had.
  Buffer allocate(VkDeviceSize bytes, Intent intent);
  MemoryStats stats() const { return stats_; }
  VkDeviceSize alignment() const { return alignment_; }

 private:
  friend class Buffer;
  struct Range {
    VkDeviceSize offset, size;
  };
  struct Block {
    Intent intent;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceSize size = 0;
    void* mapped = nullptr;
    std::vector<Range> free;  // sorted by offset, coalesced
  };
  int create_block(VkDeviceSize bytes, Intent intent);
  std::uint32_t choose_memory_type(std::uint32_t allowed_types, Intent intent) const;
  void release(int block, VkDeviceSize offset, VkDeviceSize size);

  Context& context_;
  VkDeviceSize alignment_ = 256;
  VkDeviceSize default_block_size_ = VkDeviceSize(64) << 20;
  std::vector<Block> blocks_;
  MemoryStats stats_;
};

}  // namespace vkrt
