#include "model/train/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace alexnet {
namespace {

constexpr int kMaxBar = 30;
constexpr int kMinBar = 5;  // narrower than this a bar says nothing: drop it instead
constexpr auto kPlainLineEvery = std::chrono::seconds(30);

std::string printed(const char* format, auto... args) {
  char text[128];
  std::snprintf(text, sizeof text, format, args...);
  return text;
}

}  // namespace

Progress::Progress() : Progress(Output{stdout, ::isatty(STDOUT_FILENO) != 0, 0}) {}

Progress::Progress(Output output) : out_(output) {}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(text, sizeof text, "%02ld:%02ld", s / 60, s % 60);
  return text;
}

std::string Progress::format_bar(int epoch, int epochs, std::size_t step, std::size_t steps, double loss,
                                 double images_per_second, const std::string& eta, int columns) {
  const std::size_t limit = static_cast<std::size_t>(std::max(columns - 1, 1));
  const std::string head = printed("epoch %d/%d", epoch, epochs);
  const std::string tail = "ETA " + eta;
  // Optional fields, the first to go last.
  const std::string fields[] = {printed(" %zu/%zu", step, steps), printed(" loss %.4f", loss),
                                printed(" %.0f img/s", images_per_second)};
  for (int kept = 3; kept >= 0; --kept) {
    std::string middle;
    for (int i = 0; i < kept; ++i) middle += fields[i];
    const std::size_t without_bar = head.size() + middle.size() + 1 + tail.size();
    // " [" + bar + "]" costs the bar's width plus 3.
    const int room = static_cast<int>(limit) - static_cast<int>(without_bar) - 3;
    if (room >= kMinBar) {
      const int width = std::min(room, kMaxBar);
      const int filled = steps ? static_cast<int>(width * std::min(step, steps) / steps) : width;
      std::string bar(filled, '#');
      bar.resize(width, '.');
      return head + " [" + bar + "]" + middle + " " + tail;
    }
    if (without_bar <= limit) return head + middle + " " + tail;
  }
  return (head + " " + tail).substr(0, limit);
}

int Progress::columns() const {
  if (out_.columns > 0) return out_.columns;
  winsize size{};
  if (out_.terminal && ::ioctl(::fileno(out_.stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* env = std::getenv("COLUMNS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return 80;
}

void Progress::expect_validation(std::size_t images) { validation_images_ = images; }

void Progress::validated(double seconds) { validation_seconds_ = seconds; }

double Progress::validation_seconds_left(int epoch, int epochs, double images_per_second) const {
  if (validation_images_ == 0) return 0;
  double per_pass = validation_seconds_;
  if (per_pass < 0) per_pass = images_per_second > 0 ? validation_images_ / (3 * images_per_second) : 0;
  return per_pass * std::max(epochs - epoch + 1, 0);  // this epoch's pass is still ahead
}

void Progress::step(int epoch, int epochs, std::size_t step, std::size_t steps, double loss, double images_per_second,
                    double eta_seconds) {
  const std::string eta =
      format_duration(eta_seconds + validation_seconds_left(epoch, epochs, images_per_second));
  if (out_.terminal) {
    std::string text = format_bar(epoch, epochs, step, steps, loss, images_per_second, eta, columns());
    const std::size_t length = text.size();
    // Blank what is left of a longer previous line (it never exceeded the width either).
    if (bar_open_ && bar_length_ > length) text.append(bar_length_ - length, ' ');
    std::fprintf(out_.stream, "\r%s", text.c_str());
    std::fflush(out_.stream);
    bar_open_ = true;
    bar_length_ = length;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const std::size_t every = steps >= 10 ? steps / 10 : 1;
  if (step % every == 0 || step == steps || now - last_plain_line_ >= kPlainLineEvery) {
    std::fprintf(out_.stream, "epoch %d/%d step %zu/%zu loss %.4f %.0f img/s ETA %s\n", epoch, epochs, step, steps,
                 loss, images_per_second, eta.c_str());
    std::fflush(out_.stream);
    last_plain_line_ = now;
  }
}

void Progress::line(const std::string& text) {
  if (bar_open_) std::fprintf(out_.stream, "\n");
  bar_open_ = false;
  bar_length_ = 0;
  std::fprintf(out_.stream, "%s\n", text.c_str());
  std::fflush(out_.stream);
}

void Progress::phase(const std::string& what, std::FILE* stream) {
  std::fprintf(stream, "%s...\n", what.c_str());
  std::fflush(stream);
}

}  // namespace alexnet
