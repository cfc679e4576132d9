#include "runtime/stream.h"

#include <algorithm>

#include "runtime/context.h"
#include "runtime/error.h"
#include "runtime/kernel.h"

namespace vkrt {
namespace {

constexpr std::uint32_t kSetsPerPool = 1024;
constexpr std::uint32_t kQueryCapacity = 4096;

}  // namespace

Groups linear_groups(std::uint64_t invocations, std::uint32_t local) {
  // 65535 is the minimum maxComputeWorkGroupCount[0] every device guarantees.
  constexpr std::uint64_t kMaxX = 65535;
  const std::uint64_t groups = std::max<std::uint64_t>(1, (invocations + local - 1) / local);
  if (groups <= kMaxX) return {static_cast<std::uint32_t>(groups), 1, 1};
  const std::uint64_t y = (groups + kMaxX - 1) / kMaxX;
  const std::uint64_t x = (groups + y - 1) / y;
  return {static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y), 1};
}

Stream::Stream(Context& context) : context_(context) {
  VkDevice device = context.device();
  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = context.queue_family();
  VKRT_TRY(vkCreateCommandPool(device, &pool_info, nullptr, &pool_));

  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = pool_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VKRT_TRY(vkAllocateCommandBuffers(device, &alloc, &command_buffer_));

  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VKRT_TRY(vkCreateFence(device, &fence_info, nullptr, &fence_));

  if (context.timestamps_supported()) {
    VkQueryPoolCreateInfo query_info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    query_info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    query_info.queryCount = kQueryCapacity;
    VKRT_TRY(vkCreateQueryPool(device, &query_info, nullptr, &query_pool_));
    query_capacity_ = kQueryCapacity;
  }
}

Stream::~Stream() {
  VkDevice device = context_.device();
  if (pending_) vkWaitForFences(device, 1, &fence_, VK_TRUE, UINT64_MAX);
  for (auto pool : descriptor_pools_) vkDestroyDescriptorPool(device, pool, nullptr);
  destroy_views();
  if (query_pool_) vkDestroyQueryPool(device, query_pool_, nullptr);
  vkDestroyFence(device, fence_, nullptr);
  vkDestroyCommandPool(device, pool_, nullptr);
}

void Stream::begin() {
  if (pending_) wait();
  VKRT_TRY(vkResetCommandBuffer(command_buffer_, 0));
  for (auto pool : descriptor_pools_) VKRT_TRY(vkResetDescriptorPool(context_.device(), pool, 0));
  destroy_views();  // the previous recording's, no longer referenced
  current_pool_ = 0;
  VkCommandBufferBeginInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  VKRT_TRY(vkBeginCommandBuffer(command_buffer_, &info));
  if (query_pool_) vkCmdResetQueryPool(command_buffer_, query_pool_, 0, query_capacity_);
  queries_used_ = 0;
  timestamps_read_ = false;
  dispatch_count_ = 0;
  recording_ = true;
}

void Stream::end() {
  if (!recording_) throw Error("Stream::end without begin");
  VkMemoryBarrier to_host{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  to_host.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  to_host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(command_buffer_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &to_host, 0, nullptr, 0, nullptr);
  VKRT_TRY(vkEndCommandBuffer(command_buffer_));
  recording_ = false;
}

VkDescriptorSet Stream::allocate_set(VkDescriptorSetLayout layout) {
  VkDevice device = context_.device();
  for (;; ++current_pool_) {
    if (current_pool_ == descriptor_pools_.size()) {
      const VkDescriptorPoolSize sizes[] = {
          {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * 8},
          {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, kSetsPerPool * 4},
          {VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER, kSetsPerPool * 2},
      };
      VkDescriptorPoolCreateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
      info.maxSets = kSetsPerPool;
      info.poolSizeCount = 3;
      info.pPoolSizes = sizes;
      VkDescriptorPool pool;
      VKRT_TRY(vkCreateDescriptorPool(device, &info, nullptr, &pool));
      descriptor_pools_.push_back(pool);
    }
    VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    alloc.descriptorPool = descriptor_pools_[current_pool_];
    alloc.descriptorSetCount = 1;
    alloc.pSetLayouts = &layout;
    VkDescriptorSet set;
    VkResult result = vkAllocateDescriptorSets(device, &alloc, &set);
    if (result == VK_SUCCESS) return set;
    if (result != VK_ERROR_OUT_OF_POOL_MEMORY && result != VK_ERROR_FRAGMENTED_POOL)
      throw_if_failed(result, "vkAllocateDescriptorSets");
  }
}

void Stream::check_storage_range(const std::string& name, std::size_t i, const BufferRange& b) const {
  const auto& limits = context_.limits();
  if (b.size > limits.maxStorageBufferRange)
    throw Error("dispatch of " + name + ": buffer " + std::to_string(i) + " spans " + std::to_string(b.size) +
                " bytes, over this device's maxStorageBufferRange of " +
                std::to_string(limits.maxStorageBufferRange));
  if (b.offset % limits.minStorageBufferOffsetAlignment != 0)
    throw Error("dispatch of " + name + ": buffer " + std::to_string(i) + " offset is not aligned to " +
                std::to_string(limits.minStorageBufferOffsetAlignment));
}

// A texel-buffer binding is viewed with the range's texel_format (RGBA32F, R32F, RGBA16F or R16F). The view spans
// the range rounded up to whole texels; the allocator aligns every buffer to at least 256 bytes, so
// the rounding never reaches past the VkBuffer (shaders never read the extra floats).
VkBufferView Stream::texel_view(const std::string& name, std::size_t i, const BufferRange& b) {
  VkDeviceSize texel = 0;
  switch (b.texel_format) {
    case VK_FORMAT_R32_SFLOAT: texel = 4; break;
    case VK_FORMAT_R32G32B32A32_SFLOAT: texel = 16; break;
    case VK_FORMAT_R16_SFLOAT: texel = 2; break;
    case VK_FORMAT_R16G16B16A16_SFLOAT: texel = 8; break;
    default: break;
  }
  if (texel == 0)
    throw Error("dispatch of " + name + ": buffer " + std::to_string(i) + " asks for an unsupported texel format");
  const auto& limits = context_.limits();
  const VkDeviceSize range = (b.size + texel - 1) / texel * texel;
  if (range / texel > limits.maxTexelBufferElements)
    throw Error("dispatch of " + name + ": buffer " + std::to_string(i) + " holds " + std::to_string(range / texel) +
                " texels, over this device's maxTexelBufferElements of " +
                std::to_string(limits.maxTexelBufferElements));
  if (b.offset % limits.minTexelBufferOffsetAlignment != 0)
    throw Error("dispatch of " + name + ": buffer " + std::to_string(i) + " offset is not aligned to " +
                std::to_string(limits.minTexelBufferOffsetAlignment));
  VkBufferViewCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
  info.buffer = b.handle;
  info.format = b.texel_format;
  info.offset = b.offset;
  info.range = range;
  VkBufferView view;
  VKRT_TRY(vkCreateBufferView(context_.device(), &info, nullptr, &view));
  views_.push_back(view);
  return view;
}

void Stream::destroy_views() {
  for (auto view : views_) vkDestroyBufferView(context_.device(), view, nullptr);
  views_.clear();
}

void Stream::dispatch_raw(const Kernel& kernel, std::span<const BufferRange> buffers, const void* push,
                          std::size_t push_bytes, Groups groups) {
  const std::string& name = kernel.name();
  if (!recording_) throw Error("dispatch of " + name + " outside begin()/end()");
  if (buffers.size() != kernel.binding_count())
    throw Error("dispatch of " + name + ": " + std::to_string(buffers.size()) + " buffers given, the kernel binds " +
                std::to_string(kernel.binding_count()));
  if (push_bytes != kernel.push_constant_bytes())
    throw Error("dispatch of " + name + ": push constants of " + std::to_string(push_bytes) +
                " bytes given, the kernel declares " + std::to_string(kernel.push_constant_bytes()));
  if (push_bytes > 128) throw Error("dispatch of " + name + ": push constants over 128 bytes");
  const auto& limits = context_.limits();
  const std::uint32_t counts[3] = {groups.x, groups.y, groups.z};
  for (int i = 0; i < 3; ++i)
    if (counts[i] == 0 || counts[i] > limits.maxComputeWorkGroupCount[i])
      throw Error("dispatch of " + name + ": workgroup count " + std::to_string(counts[i]) + " on axis " +
                  std::to_string(i) + " is outside 1.." + std::to_string(limits.maxComputeWorkGroupCount[i]));

  std::vector<VkDescriptorBufferInfo> infos(buffers.size());
  std::vector<VkBufferView> views(buffers.size(), VK_NULL_HANDLE);
  std::vector<VkWriteDescriptorSet> writes(buffers.size());
  VkDescriptorSet set = allocate_set(kernel.set_layout());
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    const auto& b = buffers[i];
    if (b.handle == VK_NULL_HANDLE || b.size == 0)
      throw Error("dispatch of " + name + ": buffer " + std::to_string(i) + " is empty");
    const BindingKind kind = kernel.interface().bindings[i];
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstSet = set;
    writes[i].dstBinding = static_cast<std::uint32_t>(i);
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = descriptor_type(kind);
    if (kind == BindingKind::StorageBuffer) {
      check_storage_range(name, i, b);
      infos[i] = {b.handle, b.offset, b.size};
      writes[i].pBufferInfo = &infos[i];
    } else {
      views[i] = texel_view(name, i, b);
      writes[i].pTexelBufferView = &views[i];
    }
  }
  vkUpdateDescriptorSets(context_.device(), static_cast<std::uint32_t>(writes.size()), writes.data(), 0, nullptr);

  vkCmdBindPipeline(command_buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipeline());
  vkCmdBindDescriptorSets(command_buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipeline_layout(), 0, 1, &set,
                          0, nullptr);
  if (push_bytes > 0)
    vkCmdPushConstants(command_buffer_, kernel.pipeline_layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       static_cast<std::uint32_t>(push_bytes), push);
  vkCmdDispatch(command_buffer_, groups.x, groups.y, groups.z);
  ++dispatch_count_;
}

void Stream::barrier() {
  VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                          VK_ACCESS_TRANSFER_WRITE_BIT;
  const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(command_buffer_, stages, stages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

void Stream::host_writes_barrier() {
  VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  barrier.srcAccessMask = VK_ACCESS_HOST_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
  vkCmdPipelineBarrier(command_buffer_, VK_PIPELINE_STAGE_HOST_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &barrier, 0,
                       nullptr, 0, nullptr);
}

void Stream::copy(const BufferRange& src, const BufferRange& dst) {
  if (src.size != dst.size) throw Error("copy between ranges of different sizes");
  VkBufferCopy region{src.offset, dst.offset, src.size};
  vkCmdCopyBuffer(command_buffer_, src.handle, dst.handle, 1, &region);
}

void Stream::copy_strided(const BufferRange& src, const BufferRange& dst, const StridedCopy& c) {
  if (c.count == 0 || c.block == 0) return;
  const VkDeviceSize src_end = c.src_offset + (c.count - 1) * c.src_stride + c.block;
  const VkDeviceSize dst_end = c.dst_offset + (c.count - 1) * c.dst_stride + c.block;
  if (src_end > src.size || dst_end > dst.size)
    throw Error("strided copy of " + std::to_string(c.count) + " blocks of " + std::to_string(c.block) +
                " bytes leaves its source or destination range");
  std::vector<VkBufferCopy> regions(c.count);
  for (std::uint32_t i = 0; i < c.count; ++i)
    regions[i] = {src.offset + c.src_offset + i * c.src_stride, dst.offset + c.dst_offset + i * c.dst_stride, c.block};
  vkCmdCopyBuffer(command_buffer_, src.handle, dst.handle, c.count, regions.data());
}

void Stream::fill(const BufferRange& dst, std::uint32_t value) {
  vkCmdFillBuffer(command_buffer_, dst.handle, dst.offset, dst.size, value);
}

int Stream::timestamp() {
  if (!query_pool_ || queries_used_ >= query_capacity_) return -1;
  vkCmdWriteTimestamp(command_buffer_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, query_pool_, queries_used_);
  return static_cast<int>(queries_used_++);
}

void Stream::read_timestamps() const {
  if (timestamps_read_ || queries_used_ == 0) return;
  timestamp_values_.assign(queries_used_, 0);
  VKRT_TRY(vkGetQueryPoolResults(context_.device(), query_pool_, 0, queries_used_,
                                   queries_used_ * sizeof(std::uint64_t), timestamp_values_.data(),
                                   sizeof(std::uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  timestamps_read_ = true;
}

double Stream::elapsed_ms(int from, int to) const {
  if (from < 0 || to < 0) return 0.0;
  read_timestamps();
  const double ticks = static_cast<double>(timestamp_values_.at(to) - timestamp_values_.at(from));
  return ticks * context_.timestamp_period_ns() * 1e-6;
}

double Stream::timestamp_ms(int slot) const {
  if (slot < 0) return -1.0;
  read_timestamps();
  return static_cast<double>(timestamp_values_.at(slot)) * context_.timestamp_period_ns() * 1e-6;
}

void Stream::submit() {
  if (recording_) throw Error("submit while still recording: call end() first");
  if (pending_) wait();
  VkSubmitInfo info{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  info.commandBufferCount = 1;
  info.pCommandBuffers = &command_buffer_;
  VKRT_TRY(vkResetFences(context_.device(), 1, &fence_));
  VKRT_TRY(vkQueueSubmit(context_.queue(), 1, &info, fence_));
  pending_ = true;
  timestamps_read_ = false;
  ++submit_count_;
}

void Stream::submit(TimelinePoint wait_for, TimelinePoint signal) {
  if (recording_) throw Error("submit while still recording: call end() first");
  if (pending_) wait();
  VkTimelineSemaphoreSubmitInfo timeline{VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
  VkSubmitInfo info{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  info.pNext = &timeline;
  info.commandBufferCount = 1;
  info.pCommandBuffers = &command_buffer_;
  const VkPipelineStageFlags stage = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
  if (wait_for.semaphore) {
    info.waitSemaphoreCount = 1;
    info.pWaitSemaphores = &wait_for.semaphore;
    info.pWaitDstStageMask = &stage;
    timeline.waitSemaphoreValueCount = 1;
    timeline.pWaitSemaphoreValues = &wait_for.value;
  }
  if (signal.semaphore) {
    info.signalSemaphoreCount = 1;
    info.pSignalSemaphores = &signal.semaphore;
    timeline.signalSemaphoreValueCount = 1;
    timeline.pSignalSemaphoreValues = &signal.value;
  }
  VKRT_TRY(vkResetFences(context_.device(), 1, &fence_));
  VKRT_TRY(vkQueueSubmit(context_.queue(), 1, &info, fence_));
  pending_ = true;
  timestamps_read_ = false;
  ++submit_count_;
}

void Stream::wait() {
  if (!pending_) return;
  pending_ = false;
  VKRT_TRY(vkWaitForFences(context_.device(), 1, &fence_, VK_TRUE, UINT64_MAX));
}

void Stream::submit_and_wait() {
  submit();
  wait();
}

}  // namespace vkrt
