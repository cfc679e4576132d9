// Device-to-device exchange through host-mapped buffers, for running one network on two Vulkan
// devices (which may be two logical devices on one physical device, or different GPUs).
//
// Each device records its work as a sequence of submissions. At an exchange point a device copies
// what the other needs into its host-visible `send` buffer and signals its `produced` timeline;
// the host waits for both devices' values, copies each send buffer into the other's `recv` buffer
// (host memory to host memory), and signals both `ready` timelines; the submissions that read
// `recv` were queued ahead with a wait on `ready`, so neither device waits longer than for the data
// it needs, and work that does not need the data can be queued before the wait.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "runtime/context.h"
#include "runtime/memory.h"
#include "runtime/stream.h"

namespace vkrt {

// A timeline semaphore of one device.
class Timeline {
 public:
  // Throws vkrt::Error when the device has no timeline semaphores.
  explicit Timeline(Context& context);
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  VkSemaphore handle() const { return semaphore_; }
  TimelinePoint at(std::uint64_t value) const { return {semaphore_, value}; }
  std::uint64_t value() const;
  // Host-side wait, in slices of `poll` so that a lost device (whose semaphore never advances)
  // becomes DeviceLostError instead of a hang. Throws DeviceLostError.
  void wait(std::uint64_t value) const;
  // Whether `value` is reached within `timeout_ns` (0: now). Throws DeviceLostError.
  bool reached(std::uint64_t value, std::uint64_t timeout_ns) const;
  void signal(std::uint64_t value);

 private:
  Context& context_;
  VkSemaphore semaphore_ = VK_NULL_HANDLE;
};

// The two devices' timelines and the host relay between them. Exchange slots are registered once
// (their sizes per direction); each step then runs through the slots in order.
class HostExchange {
 public:
  HostExchange(Context& first, Context& second);
  ~HostExchange();  // releases anything still waiting (see abandon())

  // A slot: `bytes[d]` is what device d sends (the other receives it). Returns its index.
  int add_slot(std::array<std::size_t, 2> bytes);
  const Buffer& send(int slot, int device) const { return slots_[slot].send[device]; }
  const Buffer& recv(int slot, int device) const { return slots_[slot].recv[device]; }
  // Host-visible bytes of device's send and receive buffers.
  std::uint64_t staging_bytes(int device) const;

  // The values a step's submissions use for the k-th exchange of the step (k counts from 0;
  // begin_step() moves the base past the previous step's).
  void begin_step(int exchanges_per_step);
  TimelinePoint produced(int device, int k) const { return produced_[device]->at(base_ + k + 1); }
  TimelinePoint ready(int device, int k) const { return ready_[device]->at(base_ + k + 1); }

  // The host side of exchange k of this step through `slot`: waits until both devices produced,
  // copies each send buffer into the other's recv buffer, and releases both.
  void relay(int k, int slot);
  // After an error: signals every ready value of this step so that no queued submission waits
  // forever (the devices then run on stale data, which nobody reads).
  void abandon();

  // Bytes copied between the devices since reset_counters().
  std::uint64_t bytes_per_step() const { return step_bytes_; }
  void reset_counters() { step_bytes_ = 0; }

 private:
  struct Slot {
    std::array<Buffer, 2> send, recv;
    std::array<std::size_t, 2> bytes;
  };
  std::array<Context*, 2> contexts_;
  std::array<std::unique_ptr<Timeline>, 2> produced_, ready_;
  std::vector<Slot> slots_;
  std::uint64_t base_ = 0;
  int exchanges_ = 0;
  std::uint64_t step_bytes_ = 0;
};

}  // namespace vkrt
