// Test-only fault injection for the crash-safety tests (tests/reliability). Everything here is
// driven by environment variables read once per process; with none of them set every function is
// a cheap no-op. Never set them outside tests.
//
//   ALEXNET_VK_TEST_KILL_AT=POINT            the process raises SIGKILL when it reaches POINT
//   ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP=K    step K fails as if vkQueueSubmit had returned
//                                            VK_ERROR_DEVICE_LOST (simulated in the trainer)
//   ALEXNET_VK_TEST_NAN_WEIGHT_AT_STEP=K     after step K's update, a NaN is written into the first
//                                            weight (a non-finite update the loss has not seen yet)
//   ALEXNET_VK_TEST_NAN_LOSS_AT_STEP=K       before step K, a NaN is written into the last
//                                            parameter (the classifier's bias), so every loss of
//                                            step K is NaN: a diverged run, on this process only
//   ALEXNET_VK_TEST_OVERFLOW_AT_STEP=K       --precision fp16: step K runs with its loss scale
//                                            times 2^40, so its fp16 gradients really overflow
//                                            (the loss scaler must skip the step and halve)
//   ALEXNET_VK_TEST_STEP_LOG=FILE            append "K LOSS" per finished step, LOSS as a C99 hex
//                                            float (exact), flushed before the step is counted
//
// Kill points, in the order a run meets them. K is the 0-based step index (the step's dropout
// key), N the step count a checkpoint records (steps done), E the 1-based epoch:
//   step:K:uploaded          batch K is in the staging buffers; nothing of step K submitted
//   step:K:on-gpu            forward and backward of step K submitted and running on the device
//   step:K:update-on-gpu     the SGD update of step K submitted and running
//   step:K:done              step K finished on the device; not yet counted, logged or saved
//   checkpoint:N:begin       a periodic (--checkpoint-every, --max-steps) checkpoint: before the
//                            weights are read back
//   checkpoint:N:bytes:B     the temporary file holds exactly the first B bytes (B < its size)
//   checkpoint:N:written     the temporary file is complete and fsynced, not yet renamed
//   checkpoint:N:renamed     renamed over the target; the folder not yet fsynced
//   epoch:E:validated        epoch E trained and validated; nothing of it written yet
//   epoch:E:metrics          metrics.csv and curves.png include epoch E; its checkpoint not yet
//   epoch-checkpoint:E:...   the end-of-epoch checkpoint (state: epoch E done), with the same
//                            sub-points as checkpoint:N (begin, bytes:B, written, renamed)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace alexnet::faults {

// Raises SIGKILL when ALEXNET_VK_TEST_KILL_AT equals `point`.
void kill_point(const std::string& point);

// For a file written under kill-point label `label` (e.g. "checkpoint:3"): the number of bytes
// after which the process must be killed (ALEXNET_VK_TEST_KILL_AT=label:bytes:B), or SIZE_MAX.
std::size_t kill_after_bytes(const std::string& label);

// True when ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP equals `step`.
bool device_lost_at(std::uint64_t step);

// True when ALEXNET_VK_TEST_NAN_WEIGHT_AT_STEP equals `step`.
bool nan_weight_at(std::uint64_t step);

// True when ALEXNET_VK_TEST_NAN_LOSS_AT_STEP equals `step`.
bool nan_loss_at(std::uint64_t step);

// True when ALEXNET_VK_TEST_OVERFLOW_AT_STEP equals `step`.
bool overflow_at(std::uint64_t step);

// Appends one line to ALEXNET_VK_TEST_STEP_LOG, when set.
void log_step(std::uint64_t step, double loss);

}  // namespace alexnet::faults
