// Training progress on the terminal: a bar redrawn in place when stdout is a terminal, plain
// log lines (about ten per epoch) when it is a file or a pipe.
#pragma once

#include <cstddef>
#include <string>

namespace alexnet {

class Progress {
 public:
  Progress();  // detects whether stdout is a terminal
  void step(int epoch, int epochs, std::size_t step, std::size_t steps, double loss, double images_per_second,
            double eta_seconds);
  // Ends the bar's line and prints a line of its own.
  void line(const std::string& text);

 private:
  bool tty_;
  bool bar_open_ = false;
};

std::string format_duration(double seconds);

}  // namespace alexnet
