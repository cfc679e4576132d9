#include "apps/alexnet_vk/process_clock.h"

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace alexnet::app {
namespace {

const auto kLoaded = std::chrono::steady_clock::now();

// Field 22 of /proc/self/stat, in clock ticks since boot; -1 when unreadable. The second field
// (the command name) may hold spaces and parentheses, so counting starts after its last ')'.
double start_ticks() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i)
    if (!(fields >> field)) return -1;
  return std::stod(field);
}

}  // namespace

double seconds_since_process_start() {
  const double ticks = start_ticks();
  const long per_second = ::sysconf(_SC_CLK_TCK);
  timespec now{};
  if (ticks >= 0 && per_second > 0 && ::clock_gettime(CLOCK_BOOTTIME, &now) == 0)
    return now.tv_sec + now.tv_nsec * 1e-9 - ticks / per_second;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - kLoaded).count();
}

}  // namespace alexnet::app
