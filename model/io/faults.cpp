#include "model/io/faults.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace alexnet::faults {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

const std::string& kill_at() {
  static const std::string value = env("ALEXNET_VK_TEST_KILL_AT");
  return value;
}

}  // namespace

void kill_point(const std::string& point) {
  if (!kill_at().empty() && kill_at() == point) {
    std::fflush(nullptr);
    std::raise(SIGKILL);
  }
}

std::size_t kill_after_bytes(const std::string& label) {
  const std::string prefix = label + ":bytes:";
  const std::string& at = kill_at();
  if (at.size() <= prefix.size() || at.compare(0, prefix.size(), prefix) != 0) return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(std::stoull(at.substr(prefix.size())));
}

bool device_lost_at(std::uint64_t step) {
  static const std::string value = env("ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP");
  return !value.empty() && std::stoull(value) == step;
}

bool nan_weight_at(std::uint64_t step) {
  static const std::string value = env("ALEXNET_VK_TEST_NAN_WEIGHT_AT_STEP");
  return !value.empty() && std::stoull(value) == step;
}

void log_step(std::uint64_t step, double loss) {
  static const std::string path = env("ALEXNET_VK_TEST_STEP_LOG");
  if (path.empty()) return;
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) throw std::runtime_error(path + ": cannot append to ALEXNET_VK_TEST_STEP_LOG");
  std::fprintf(f, "%llu %a\n", static_cast<unsigned long long>(step), loss);
  std::fclose(f);
}

}  // namespace alexnet::faults
