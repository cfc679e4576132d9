// Every ALEXNET_VK_* environment switch the tool reads, in one place, read once per process.
// Nothing else reads an ALEXNET_VK_* variable (the test harness's own, ALEXNET_VK_EXPECT_VALIDATION
// and ALEXNET_VK_TEST_DEVICE, live in tests/support; the standard HOME, XDG_CACHE_HOME and COLUMNS
// are read where they are used).
//
//   ALEXNET_VK_VALIDATION=1 | sync         the Khronos validation layer on (sync: with
//                                          synchronization validation, slow)
//   ALEXNET_VK_SPLIT_SERIAL=1              two devices: run the segments one at a time (tells a
//                                          synchronization fault from a kernel fault on a new driver)
//   ALEXNET_VK_VERIFY_DUMP=TEXT            verify: print every element of the checks whose op and
//                                          shape contain TEXT (chasing a driver-specific failure)
//   ALEXNET_VK_PIPELINE_CACHE=0|off|false  no pipeline cache on disk (runtime/pipeline_cache.h)
//   ALEXNET_VK_COLLECTIVE_TIMEOUT_S=S      data parallelism: a rank gives up on the others after S
//                                          seconds in one collective (default 600;
//                                          model/distributed/communicator.h)
// Test-only fault hooks (model/io/faults.h says what each does):
//   ALEXNET_VK_TEST_KILL_AT=POINT, ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP=K,
//   ALEXNET_VK_TEST_NAN_WEIGHT_AT_STEP=K, ALEXNET_VK_TEST_NAN_LOSS_AT_STEP=K, ALEXNET_VK_TEST_STEP_LOG=FILE,
//   ALEXNET_VK_TEST_OVERFLOW_AT_STEP=K
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vkrt {

struct Switches {
  enum class Validation { Off, On, Sync } validation = Validation::Off;
  bool split_serial = false;
  std::string verify_dump;
  bool pipeline_cache = true;
  std::uint64_t collective_timeout_s = 600;
  std::string test_kill_at;
  std::optional<std::uint64_t> test_device_lost_at_step, test_nan_weight_at_step, test_nan_loss_at_step,
      test_overflow_at_step;
  std::string test_step_log;
};

// The process's switches, read from the environment on first use. A malformed number is an
// error naming the variable (std::invalid_argument).
const Switches& switches();

}  // namespace vkrt
