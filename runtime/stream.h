// A stream records GPU work into one command buffer and submits it. Record once, submit many
// times: a training step is recorded once per shape and replayed, so its per-step host cost is
// one vkQueueSubmit and one fence wait.
//
// Every dispatch goes through one checked path (`dispatch`), which enforces the kernel contract:
// the number of buffers equals the shader's bindings, sizeof(push) equals its push-constant block,
// each storage-buffer range fits the device's maxStorageBufferRange (each texel-buffer range its
// maxTexelBufferElements and offset alignment), and the workgroup counts fit the
// device's limits. A violation throws vkrt::Error naming the kernel; it never reaches the driver.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/memory.h"

namespace vkrt {

class Context;
class Kernel;

// A range of a Buffer to bind: the whole buffer, or [offset, offset + size) inside it.
// A range bound to a texel-buffer binding is viewed with `texel_format`: RGBA32F (a vec4 per texel)
// unless the caller asks for scalar texels (R32F) with scalar_texels(), or 16-bit ones (RGBA16F, R16F)
// with half_texels().
struct BufferRange {
  VkBuffer handle = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
  VkFormat texel_format = VK_FORMAT_R32G32B32A32_SFLOAT;
  BufferRange(const Buffer& b) : handle(b.handle()), offset(b.offset()), size(b.size()) {}
  BufferRange(const Buffer& b, VkDeviceSize byte_offset, VkDeviceSize bytes)
      : handle(b.handle()), offset(b.offset() + byte_offset), size(bytes) {}
  // [byte_offset, byte_offset + bytes) of this range.
  BufferRange sub(VkDeviceSize byte_offset, VkDeviceSize bytes) const {
    BufferRange r = *this;
    r.offset += byte_offset;
    r.size = bytes;
    return r;
  }
};

// The same range, viewed as one float per texel (R32F) when bound to a texel-buffer binding.
inline BufferRange scalar_texels(BufferRange range) {
  range.texel_format = VK_FORMAT_R32_SFLOAT;
  return range;
}

// The same range holding 16-bit floats: viewed as RGBA16F (or R16F for a scalar view) when bound to
// a texel-buffer binding, so that a shader's texelFetch widens each element to fp32 as it loads.
// Both formats must support uniform texel buffers on every Vulkan device (the spec's required
// format support), so no feature check is needed beyond storing fp16 at all.
inline BufferRange half_texels(BufferRange range) {
  range.texel_format =
      range.texel_format == VK_FORMAT_R32_SFLOAT ? VK_FORMAT_R16_SFLOAT : VK_FORMAT_R16G16B16A16_SFLOAT;
  return range;
}

struct Groups {
  std::uint32_t x = 1, y = 1, z = 1;
};

// Workgroups covering `invocations` along x with `local` invocations per group. Counts past the
// device's x limit spill into y; shaders recover the flat index with linear_index() from common.glsl.
Groups linear_groups(std::uint64_t invocations, std::uint32_t local);

struct NoPush {};

// A timeline semaphore value: what a submission waits for or signals (runtime/exchange.h).
struct TimelinePoint {
  VkSemaphore semaphore = VK_NULL_HANDLE;
  std::uint64_t value = 0;
};

// One rectangle of a strided copy: `count` blocks of `block` bytes, the i-th read at
// src + i * src_stride and written at dst + i * dst_stride (offsets within the two ranges).
struct StridedCopy {
  VkDeviceSize src_offset = 0, dst_offset = 0, block = 0, src_stride = 0, dst_stride = 0;
  std::uint32_t count = 0;
};

class Stream {
 public:
  explicit Stream(Context& context);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Starts a new recording; forgets the previous one (its descriptor sets and timestamps).
  void begin();
  // Ends the recording: the last barrier makes every write visible to the host.
  void end();

  template <class Push>
  void dispatch(const Kernel& kernel, std::initializer_list<BufferRange> buffers, const Push& push,
                Groups groups) {
    static_assert(std::is_trivially_copyable_v<Push>);
    dispatch_raw(kernel, std::span<const BufferRange>(buffers.begin(), buffers.size()), &push,
                 std::is_empty_v<Push> ? 0 : sizeof(Push), groups);
  }
  void dispatch_raw(const Kernel& kernel, std::span<const BufferRange> buffers, const void* push,
                    std::size_t push_bytes, Groups groups);

  // Makes every earlier compute or transfer write visible to every later compute or transfer
  // access. One global barrier between dependent dispatches is the cheapest correct choice on the
  // drivers we target; finer barriers can come where profiles show they matter.
  void barrier();
  // Makes what the host wrote to host-visible memory before this point (e.g. before it signalled
  // the semaphore this submission waits on) visible to later transfers and dispatches.
  void host_writes_barrier();
  void copy(const BufferRange& src, const BufferRange& dst);
  // A copy of `count` equal blocks between strided places (one region per block), e.g. one
  // sample's half of the channels at a time. Throws vkrt::Error when a block leaves either range.
  void copy_strided(const BufferRange& src, const BufferRange& dst, const StridedCopy& copy);
  void fill(const BufferRange& dst, std::uint32_t value);

  // Records a timestamp after all earlier work; returns its slot (or -1 without timestamp support).
  int timestamp();
  // After the submission has completed: milliseconds between two slots.
  double elapsed_ms(int from_slot, int to_slot) const;
  // After the submission has completed: a slot's time in ms on the device's clock (comparable
  // between streams of one device), or a negative value for slot -1.
  double timestamp_ms(int slot) const;

  // Submits the recording and waits for it. Throws DeviceLostError when the device is lost.
  void submit_and_wait();
  void submit();
  // Submits after `wait` is reached on the device (a null semaphore: no wait) and has the
  // submission signal `signal` when done, besides the stream's own fence.
  void submit(TimelinePoint wait, TimelinePoint signal);
  void wait();

  std::size_t dispatch_count() const { return dispatch_count_; }
  std::size_t submit_count() const { return submit_count_; }

 private:
  VkDescriptorSet allocate_set(VkDescriptorSetLayout layout);
  void check_storage_range(const std::string& name, std::size_t i, const BufferRange& b) const;
  VkBufferView texel_view(const std::string& name, std::size_t i, const BufferRange& b);
  void destroy_views();
  void read_timestamps() const;

  Context& context_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer command_buffer_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  std::vector<VkDescriptorPool> descriptor_pools_;
  std::size_t current_pool_ = 0;
  std::vector<VkBufferView> views_;  // of the current recording's texel-buffer bindings
  VkQueryPool query_pool_ = VK_NULL_HANDLE;
  std::uint32_t query_capacity_ = 0;
  std::uint32_t queries_used_ = 0;
  mutable std::vector<std::uint64_t> timestamp_values_;
  mutable bool timestamps_read_ = false;
  bool recording_ = false;
  bool pending_ = false;
  std::size_t dispatch_count_ = 0;
  std::size_t submit_count_ = 0;
};

}  // namespace vkrt
