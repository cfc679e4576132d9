// Training progress on the terminal: a bar redrawn in place when stdout is a terminal, fitted to
// its width (asked with TIOCGWINSZ at every update, so a resized window is followed), and plain
// log lines when it is a file or a pipe, or under mpirun (one per tenth of an epoch, or every 30 s
// if that comes first, and at the epoch's end). A data-parallel run prints from rank 0 only.
//
// The trainer's calls, in order:
//   Progress::phase("computing normalization over 10000 images");  // before the header: each
//   Progress::phase("compiling pipelines");                        // slow set-up step says so
//   progress.line(header...);
//   progress.expect_validation(val_images);  // the ETA counts the validation passes
//   progress.step(...) per step; progress.validated(seconds) after each validation pass
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace alexnet {

class Progress {
 public:
  // Where the progress goes and how: `terminal` redraws one line in place; `columns` is the width
  // it must fit (0: ask the terminal behind `stream`, then $COLUMNS, then 80).
  struct Output {
    std::FILE* stream = stdout;
    bool terminal = false;
    int columns = 0;
  };

  Progress();  // stdout; a terminal when isatty says so (the trainer: and not under mpirun)
  explicit Progress(Output output);

  // `eta_seconds`: the training time left (this epoch's steps and the later epochs'); the line
  // adds the validation passes still to come, see expect_validation().
  void step(int epoch, int epochs, std::size_t step, std::size_t steps, double loss, double images_per_second,
            double eta_seconds);
  // Ends the bar's line and prints a line of its own.
  void line(const std::string& text);

  // Each epoch ends with a validation pass over `images` images. Until one has been timed
  // (validated()), a pass is estimated at a third of the time training takes per image (a pass
  // runs forward only, a step forward and two backward products); afterwards the last pass's
  // measured time is used. Without this call the ETA counts training only.
  void expect_validation(std::size_t images);
  void validated(double seconds);

  // A slow step before the first output ("compiling pipelines"): printed at once as "what..." on
  // a line of its own, so a long set-up is never silent. Static: callable before the trainer's
  // Progress exists.
  static void phase(const std::string& what, std::FILE* stream = stdout);

  // The bar line for a terminal `columns` wide, at most columns - 1 characters (writing the last
  // column makes some terminals wrap): the bar shrinks first, then img/s, loss and the step count
  // go, and the epoch and ETA stay.
  static std::string format_bar(int epoch, int epochs, std::size_t step, std::size_t steps, double loss,
                                double images_per_second, const std::string& eta, int columns);

 private:
  int columns() const;
  double validation_seconds_left(int epoch, int epochs, double images_per_second) const;

  Output out_;
  bool bar_open_ = false;
  std::size_t bar_length_ = 0;  // characters of the bar line on screen, to blank a shorter one
  std::size_t validation_images_ = 0;
  double validation_seconds_ = -1;  // the last measured pass; < 0: none yet
  std::chrono::steady_clock::time_point last_plain_line_{};
};

std::string format_duration(double seconds);

}  // namespace alexnet
