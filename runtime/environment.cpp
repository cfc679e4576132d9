#include "runtime/environment.h"

#include <cstdlib>
#include <stdexcept>

namespace vkrt {
namespace {

std::string text(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::optional<std::uint64_t> number(const char* name) {
  const std::string value = text(name);
  if (value.empty()) return std::nullopt;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
  if (*end != '\0') throw std::invalid_argument(std::string(name) + " must be a whole number, got '" + value + "'");
  return n;
}

Switches read() {
  Switches s;
  const std::string validation = text("ALEXNET_VK_VALIDATION");
  s.validation = validation == "sync" ? Switches::Validation::Sync
                 : validation == "1" ? Switches::Validation::On
                                     : Switches::Validation::Off;
  s.split_serial = text("ALEXNET_VK_SPLIT_SERIAL") == "1";
  s.verify_dump = text("ALEXNET_VK_VERIFY_DUMP");
  const std::string cache = text("ALEXNET_VK_PIPELINE_CACHE");
  s.pipeline_cache = !(cache == "0" || cache == "off" || cache == "false");
  if (auto timeout = number("ALEXNET_VK_COLLECTIVE_TIMEOUT_S")) s.collective_timeout_s = *timeout;
  s.test_kill_at = text("ALEXNET_VK_TEST_KILL_AT");
  s.test_device_lost_at_step = number("ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP");
  s.test_nan_weight_at_step = number("ALEXNET_VK_TEST_NAN_WEIGHT_AT_STEP");
  s.test_nan_loss_at_step = number("ALEXNET_VK_TEST_NAN_LOSS_AT_STEP");
  s.test_overflow_at_step = number("ALEXNET_VK_TEST_OVERFLOW_AT_STEP");
  s.test_step_log = text("ALEXNET_VK_TEST_STEP_LOG");
  return s;
}

}  // namespace

const Switches& switches() {
  static const Switches s = read();
  return s;
}

}  // namespace vkrt
