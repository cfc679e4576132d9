#include "model/io/faults.h"

#include <csignal>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "runtime/environment.h"

namespace alexnet::faults {
namespace {

const std::string& kill_at() { return vkrt::switches().test_kill_at; }

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

bool device_lost_at(std::uint64_t step) { return vkrt::switches().test_device_lost_at_step == step; }

bool nan_weight_at(std::uint64_t step) { return vkrt::switches().test_nan_weight_at_step == step; }

bool nan_loss_at(std::uint64_t step) { return vkrt::switches().test_nan_loss_at_step == step; }
bool overflow_at(std::uint64_t step) { return vkrt::switches().test_overflow_at_step == step; }

void log_step(std::uint64_t step, double loss) {
  const std::string& path = vkrt::switches().test_step_log;
  if (path.empty()) return;
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) throw std::runtime_error(path + ": cannot append to ALEXNET_VK_TEST_STEP_LOG");
  std::fprintf(f, "%llu %a\n", static_cast<unsigned long long>(step), loss);
  std::fclose(f);
}

}  // namespace alexnet::faults
