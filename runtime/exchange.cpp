#include "runtime/exchange.h"

#include <cstring>

#include "runtime/error.h"

namespace vkrt {

Timeline::Timeline(Context& context) : context_(context) {
  if (!context.timeline_semaphores())
    throw Error("device " + context.info().name + " has no timeline semaphores (Vulkan 1.2), which running on two devices needs");
  VkSemaphoreTypeCreateInfo type{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  type.initialValue = 0;
  VkSemaphoreCreateInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  info.pNext = &type;
  VKRT_TRY(vkCreateSemaphore(context.device(), &info, nullptr, &semaphore_));
}

Timeline::~Timeline() {
  if (semaphore_) vkDestroySemaphore(context_.device(), semaphore_, nullptr);
}

std::uint64_t Timeline::value() const {
  std::uint64_t v = 0;
  VKRT_TRY(vkGetSemaphoreCounterValue(context_.device(), semaphore_, &v));
  return v;
}

void Timeline::wait(std::uint64_t value) const {
  VkSemaphoreWaitInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  info.semaphoreCount = 1;
  info.pSemaphores = &semaphore_;
  info.pValues = &value;
  for (;;) {
    const VkResult r = vkWaitSemaphores(context_.device(), &info, 100'000'000);  // 100 ms
    if (r == VK_SUCCESS) return;
    if (r != VK_TIMEOUT) throw_if_failed(r, "vkWaitSemaphores");
  }
}

bool Timeline::reached(std::uint64_t value, std::uint64_t timeout_ns) const {
  VkSemaphoreWaitInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  info.semaphoreCount = 1;
  info.pSemaphores = &semaphore_;
  info.pValues = &value;
  const VkResult r = vkWaitSemaphores(context_.device(), &info, timeout_ns);
  if (r != VK_SUCCESS && r != VK_TIMEOUT) throw_if_failed(r, "vkWaitSemaphores");
  return r == VK_SUCCESS;
}

void Timeline::signal(std::uint64_t value) {
  VkSemaphoreSignalInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO};
  info.semaphore = semaphore_;
  info.value = value;
  VKRT_TRY(vkSignalSemaphore(context_.device(), &info));
}

HostExchange::HostExchange(Context& first, Context& second) : contexts_{&first, &second} {
  for (int d = 0; d < 2; ++d) {
    produced_[d] = std::make_unique<Timeline>(*contexts_[d]);
    ready_[d] = std::make_unique<Timeline>(*contexts_[d]);
  }
}

HostExchange::~HostExchange() { abandon(); }

int HostExchange::add_slot(std::array<std::size_t, 2> bytes) {
  Slot slot;
  slot.bytes = bytes;
  for (int d = 0; d < 2; ++d) {
    // Readback memory (cached where the device has it) for what the host reads, Upload memory
    // for what it writes: both are coherent, so no flushes are needed.
    slot.send[d] = contexts_[d]->allocator().allocate(std::max<std::size_t>(bytes[d], 4), Intent::Readback);
    slot.recv[d] = contexts_[d]->allocator().allocate(std::max<std::size_t>(bytes[1 - d], 4), Intent::Upload);
  }
  slots_.push_back(std::move(slot));
  return static_cast<int>(slots_.size()) - 1;
}

std::uint64_t HostExchange::staging_bytes(int device) const {
  std::uint64_t total = 0;
  for (const auto& s : slots_) total += s.send[device].size() + s.recv[device].size();
  return total;
}

void HostExchange::begin_step(int exchanges_per_step) {
  base_ += static_cast<std::uint64_t>(exchanges_);
  exchanges_ = exchanges_per_step;
}

void HostExchange::relay(int k, int slot_index) {
  const Slot& slot = slots_.at(slot_index);
  for (int d = 0; d < 2; ++d) produced_[d]->wait(base_ + k + 1);
  for (int d = 0; d < 2; ++d) {
    std::memcpy(slot.recv[1 - d].mapped(), slot.send[d].mapped(), slot.bytes[d]);
    step_bytes_ += slot.bytes[d];
  }
  for (int d = 0; d < 2; ++d) ready_[d]->signal(base_ + k + 1);
}

void HostExchange::abandon() {
  const std::uint64_t last = base_ + static_cast<std::uint64_t>(exchanges_);
  for (int d = 0; d < 2; ++d) {
    if (!ready_[d]) continue;
    try {
      if (ready_[d]->value() < last) ready_[d]->signal(last);
    } catch (const Error&) {
      // A lost device cannot be signalled; nothing of it can run anyway.
    }
  }
}

}  // namespace vkrt
