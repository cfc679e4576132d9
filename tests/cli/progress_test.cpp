// The training progress line (model/train/progress.h): it fits the terminal's width, falls back
// to plain lines off a terminal, and its ETA counts the validation passes. Tested on the class
// with a given width, and end to end: `alexnet_vk train` on a pseudo-terminal of a set width.
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "model/train/progress.h"
#include "tests/support/synthetic_data.h"

namespace alexnet {
namespace {

// What a Progress wrote to its stream.
struct Captured {
  std::FILE* file = std::tmpfile();
  ~Captured() { std::fclose(file); }
  std::string text() const {
    std::fflush(file);
    std::rewind(file);
    std::string out;
    for (int c; (c = std::fgetc(file)) != EOF;) out += static_cast<char>(c);
    return out;
  }
};

// Pieces between carriage returns and newlines: what each redraw left on screen.
std::vector<std::string> segments(const std::string& text) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == '\r' || c == '\n') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

std::string rstrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

TEST(Progress, BarFitsEveryWidth) {
  for (int columns : {12, 20, 30, 40, 50, 60, 80, 120, 300}) {
    Captured out;
    Progress progress(Progress::Output{out.file, true, columns});
    for (std::size_t step = 1; step <= 468; step += 41)
      progress.step(12, 20, step, 468, 0.123456, 12345.6, 3725.0);
    progress.line("done");
    for (const auto& s : segments(out.text()))
      EXPECT_LE(s.size(), std::size_t(columns - 1)) << columns << " columns: '" << s << "'";
  }
}

TEST(Progress, NarrowTerminalsDropTheBarFirstAndKeepTheEta) {
  const std::string wide = Progress::format_bar(3, 20, 100, 468, 0.5, 340, "01:02:03", 200);
  EXPECT_EQ(wide, "epoch 3/20 [######........................] 100/468 loss 0.5000 340 img/s ETA 01:02:03");
  const std::string narrow = Progress::format_bar(3, 20, 100, 468, 0.5, 340, "01:02:03", 50);
  EXPECT_EQ(narrow, "epoch 3/20 100/468 loss 0.5000 ETA 01:02:03");
  const std::string tiny = Progress::format_bar(3, 20, 100, 468, 0.5, 340, "01:02:03", 24);
  EXPECT_EQ(tiny, "epoch 3/20 ETA 01:02:03");
}

TEST(Progress, PlainLinesOffATerminal) {
  Captured out;
  Progress progress(Progress::Output{out.file, false, 0});
  for (std::size_t step = 1; step <= 100; ++step) progress.step(1, 2, step, 100, 1.0, 50, 10);
  const std::string text = out.text();
  EXPECT_EQ(text.find('\r'), std::string::npos);
  int lines = 0;
  for (char c : text) lines += c == '\n';
  // The first step, then every tenth of the epoch (a fast loop never hits the 30 s rule).
  EXPECT_EQ(lines, 11) << text;
  EXPECT_NE(text.find("epoch 1/2 step 100/100 loss 1.0000 50 img/s ETA"), std::string::npos) << text;
}

TEST(Progress, EtaCountsTheValidationPasses) {
  Captured out;
  Progress progress(Progress::Output{out.file, false, 0});
  // No validation expected: the trainer's ETA as it is.
  progress.step(1, 2, 10, 10, 1.0, 100, 60);
  // 3000 images to validate at a third of 100 training images/s: 10 s a pass, two passes ahead.
  progress.expect_validation(3000);
  progress.step(1, 2, 10, 10, 1.0, 100, 60);
  // Measured: 5 s; in epoch 2 one pass is left.
  progress.validated(5);
  progress.step(2, 2, 10, 10, 1.0, 100, 0);
  const auto text = out.text();
  EXPECT_NE(text.find("ETA 01:00\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA 01:20\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ETA 00:05\n"), std::string::npos) << text;
}

TEST(Progress, PhaseIsALineOfItsOwn) {
  Captured out;
  Progress::phase("compiling pipelines", out.file);
  EXPECT_EQ(out.text(), "compiling pipelines...\n");
}

// `alexnet_vk train` with stdout on a pseudo-terminal `columns` wide; returns what it printed.
std::string train_on_a_terminal(const std::filesystem::path& root, unsigned short columns) {
  int master = -1;
  winsize size{};
  size.ws_col = columns;
  size.ws_row = 24;
  const std::string data = (root / "data").string(), out = (root / "out").string();
  const pid_t child = ::forkpty(&master, nullptr, nullptr, &size);
  if (child == 0) {
    if (!std::getenv("XDG_CACHE_HOME"))  // outside ctest: still not the user's home
      ::setenv("XDG_CACHE_HOME", (::testing::TempDir() + "alexnet_vk_test_cache").c_str(), 1);
    ::execl(ALEXNET_VK_BINARY, ALEXNET_VK_BINARY, "train", "--data", data.c_str(), "--train-limit", "24", "--val-limit",
            "8", "--batch", "4", "--epochs", "1", "--out", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (child < 0) return "forkpty failed";
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) text.append(buffer, static_cast<std::size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;  // EIO: the child closed the terminal
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(master);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) text += "\n[exit status " + std::to_string(status) + "]";
  return text;
}

TEST(Progress, TrainOnATerminalFitsItsWidth) {
  const auto root = std::filesystem::path(::testing::TempDir()) / ("alexnet_vk_progress_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  testing::write_synthetic_idx(root / "data", 24, 5);
  constexpr unsigned short kColumns = 60;  // room for a short bar
  const std::string text = train_on_a_terminal(root, kColumns);
  ASSERT_EQ(text.find("[exit status"), std::string::npos) << text;
  int bars = 0;
  for (const auto& s : segments(text)) {
    if (s.rfind("epoch ", 0) != 0 || s.find("ETA") == std::string::npos) continue;  // header lines are not bars
    ++bars;
    EXPECT_LE(rstrip(s).size(), std::size_t(kColumns - 1)) << "'" << s << "'";
    EXPECT_LE(s.size(), std::size_t(kColumns - 1)) << "'" << s << "'";
  }
  EXPECT_GE(bars, 6) << text;  // a redraw per step: 24 images in batches of 4
  EXPECT_NE(text.find("epoch 1/1 ["), std::string::npos) << "no bar drawn: " << text;
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace alexnet
