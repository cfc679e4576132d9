#include "model/train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace alexnet {

Progress::Progress() : tty_(::isatty(STDOUT_FILENO) != 0) {}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(text, sizeof text, "%02ld:%02ld", s / 60, s % 60);
  return text;
}

void Progress::step(int epoch, int epochs, std::size_t step, std::size_t steps, double loss, double images_per_second,
                    double eta_seconds) {
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = steps ? static_cast<int>(kWidth * step / steps) : kWidth;
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    std::printf("\repoch %d/%d [%s] %zu/%zu loss %.4f %.0f img/s ETA %s  ", epoch, epochs, bar.c_str(), step, steps,
                loss, images_per_second, format_duration(eta_seconds).c_str());
    std::fflush(stdout);
    bar_open_ = true;
    return;
  }
  const std::size_t every = steps >= 10 ? steps / 10 : 1;
  if (step % every == 0 || step == steps) {
    std::printf("epoch %d/%d step %zu/%zu loss %.4f %.0f img/s ETA %s\n", epoch, epochs, step, steps, loss,
                images_per_second, format_duration(eta_seconds).c_str());
    std::fflush(stdout);
  }
}

void Progress::line(const std::string& text) {
  if (bar_open_) std::printf("\n");
  bar_open_ = false;
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

}  // namespace alexnet
