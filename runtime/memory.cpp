#include "runtime/memory.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "runtime/context.h"
#include "runtime/error.h"

namespace vkrt {
namespace {

VkDeviceSize round_up(VkDeviceSize value, VkDeviceSize alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

std::string mib(VkDeviceSize bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

}  // namespace

const char* intent_name(Intent intent) {
  switch (intent) {
    case Intent::DeviceLocal: return "device-local";
    case Intent::Upload: return "upload";
    case Intent::Readback: return "readback";
  }
  return "?";
}

// ---- Buffer ----

Buffer::~Buffer() {
  if (allocator_) allocator_->release(block_, offset_, size_);
}

Buffer::Buffer(Buffer&& other) noexcept { *this = std::move(other); }

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this == &other) return *this;
  if (allocator_) allocator_->release(block_, offset_, size_);
  allocator_ = std::exchange(other.allocator_, nullptr);
  block_ = other.block_;
  handle_ = other.handle_;
  offset_ = other.offset_;
  size_ = other.size_;
  intent_ = other.intent_;
  mapped_ = std::exchange(other.mapped_, nullptr);
  return *this;
}

// ---- Allocator ----

Allocator::Allocator(Context& context) : context_(context) {
  const auto& limits = context.limits();
  alignment_ = std::max<VkDeviceSize>({alignment_, limits.minStorageBufferOffsetAlignment,
                                       limits.minTexelBufferOffsetAlignment,
                                       limits.minUniformBufferOffsetAlignment});
}

Allocator::~Allocator() {
  for (auto& block : blocks_) {
    if (block.mapped) vkUnmapMemory(context_.device(), block.memory);
    vkDestroyBuffer(context_.device(), block.buffer, nullptr);
    vkFreeMemory(context_.device(), block.memory, nullptr);
  }
}

std::uint32_t Allocator::choose_memory_type(std::uint32_t allowed, Intent intent) const {
  const auto& props = context_.memory_properties();
  VkMemoryPropertyFlags required = 0, preferred = 0;
  switch (intent) {
    case Intent::DeviceLocal:
      preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
      break;
    case Intent::Upload:
      required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
      break;
    case Intent::Readback:
      required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
      preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
      break;
  }
  int fallback = -1;
  for (std::uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    if (!(allowed & (1u << i))) continue;
    const auto flags = props.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return i;
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  if (fallback < 0)
    throw Error(std::string("device ") + context_.info().name + " has no memory type for " +
                intent_name(intent) + " buffers");
  return static_cast<std::uint32_t>(fallback);
}

int Allocator::create_block(VkDeviceSize bytes, Intent intent) {
  VkDevice device = context_.device();
  Block block;
  block.intent = intent;
  block.size = std::max(round_up(bytes, alignment_), default_block_size_);

  VkBufferCreateInfo buffer_info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  buffer_info.size = block.size;
  buffer_info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                      VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                      VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT;
  buffer_info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VKRT_TRY(vkCreateBuffer(device, &buffer_info, nullptr, &block.buffer));

  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device, block.buffer, &requirements);
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = requirements.size;
  alloc.memoryTypeIndex = choose_memory_type(requirements.memoryTypeBits, intent);
  VkResult result = vkAllocateMemory(device, &alloc, nullptr, &block.memory);
  if (result != VK_SUCCESS) {
    vkDestroyBuffer(device, block.buffer, nullptr);
    const auto& props = context_.memory_properties();
    const auto heap = props.memoryHeaps[props.memoryTypes[alloc.memoryTypeIndex].heapIndex].size;
    std::string message = std::string("out of ") +
                          (result == VK_ERROR_OUT_OF_HOST_MEMORY ? "host" : "device") +
                          " memory: asked for " + mib(bytes) + " (" + intent_name(intent) +
                          "), the heap holds " + mib(heap) + " and " + mib(stats_.bytes_in_use) +
                          " is already in use";
    if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
      throw OutOfMemoryError(message, result);
    throw_if_failed(result, "vkAllocateMemory");
  }
  VKRT_TRY(vkBindBufferMemory(device, block.buffer, block.memory, 0));

  const auto flags = context_.memory_properties().memoryTypes[alloc.memoryTypeIndex].propertyFlags;
  if (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
    VKRT_TRY(vkMapMemory(device, block.memory, 0, VK_WHOLE_SIZE, 0, &block.mapped));

  block.free.push_back({0, block.size});
  stats_.bytes_reserved += block.size;
  stats_.block_count += 1;
  blocks_.push_back(std::move(block));
  return static_cast<int>(blocks_.size()) - 1;
}

Buffer Allocator::allocate(VkDeviceSize bytes, Intent intent) {
  if (bytes == 0) bytes = 4;  // a zero-sized range is not a valid descriptor
  const VkDeviceSize need = round_up(bytes, alignment_);
  const VkDeviceSize max_allocation = VkDeviceSize(1) << 40;
  if (need > max_allocation) throw OutOfMemoryError("asked for " + mib(bytes) + ": too large");

  auto find = [&](int index) -> int {
    auto& free = blocks_[index].free;
    for (std::size_t i = 0; i < free.size(); ++i)
      if (free[i].size >= need) return static_cast<int>(i);
    return -1;
  };
  int block_index = -1, range_index = -1;
  for (std::size_t b = 0; b < blocks_.size() && block_index < 0; ++b) {
    if (blocks_[b].intent != intent) continue;
    int r = find(static_cast<int>(b));
    if (r >= 0) block_index = static_cast<int>(b), range_index = r;
  }
  if (block_index < 0) {
    block_index = create_block(need, intent);
    range_index = 0;
  }

  Block& block = blocks_[block_index];
  Range& range = block.free[range_index];
  Buffer buffer;
  buffer.allocator_ = this;
  buffer.block_ = block_index;
  buffer.handle_ = block.buffer;
  buffer.offset_ = range.offset;
  buffer.size_ = bytes;
  buffer.intent_ = intent;
  buffer.mapped_ = block.mapped ? static_cast<char*>(block.mapped) + range.offset : nullptr;
  range.offset += need;
  range.size -= need;
  if (range.size == 0) block.free.erase(block.free.begin() + range_index);

  stats_.bytes_in_use += need;
  if (intent == Intent::DeviceLocal) stats_.device_local_in_use += need;
  stats_.peak_in_use = std::max(stats_.peak_in_use, stats_.bytes_in_use);
  return buffer;
}

void Allocator::release(int block_index, VkDeviceSize offset, VkDeviceSize size) {
  Block& block = blocks_[block_index];
  const VkDeviceSize need = round_up(size == 0 ? 4 : size, alignment_);
  auto& free = block.free;
  auto it = std::lower_bound(free.begin(), free.end(), offset,
                             [](const Range& r, VkDeviceSize o) { return r.offset < o; });
  it = free.insert(it, Range{offset, need});
  // Coalesce with the following and the preceding free range.
  if (it + 1 != free.end() && it->offset + it->size == (it + 1)->offset) {
    it->size += (it + 1)->size;
    free.erase(it + 1);
  }
  if (it != free.begin() && (it - 1)->offset + (it - 1)->size == it->offset) {
    (it - 1)->size += it->size;
    free.erase(it);
  }
  stats_.bytes_in_use -= need;
  if (block.intent == Intent::DeviceLocal) stats_.device_local_in_use -= need;
}

}  // namespace vkrt
