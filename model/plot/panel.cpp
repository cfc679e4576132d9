#include "model/plot/panel.h"

#include <cstdio>
#include <string>
#include <vector>

namespace alexnet {
namespace {

// The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten that is at least `value`:
// grid steps that give short tick labels and leave little of the panel empty.
double round_step_up(double value) {
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double m : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
    if (m * power >= value * (1 - 1e-9)) return m * power;
  return 10 * power;
}

std::string tick_label(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

}  // namespace

void draw_panel(Canvas& canvas, int left, int top, int width, int height, const std::string& title,
                const std::vector<Series>& series, int epochs) {
  double largest = 1e-9;
  for (const Series& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) largest = std::max(largest, v);
  const double step = round_step_up(largest / 4);
  const double top_value = 4 * step;
  const Rgb grid{225, 225, 225}, axis{60, 60, 60}, ink{40, 40, 40};
  for (int g = 0; g <= 4; ++g) {
    const int y = static_cast<int>(std::lround(top + height - height * g / 4.0));
    canvas.line(left, y, left + width, y, grid);
    const std::string label = tick_label(step * g);
    canvas.text(left - 8 - text_width(label, kTextScale), y - kTextHeight / 2, label, ink);
  }
  canvas.line(left, top, left, top + height, axis);
  canvas.line(left, top + height, left + width, top + height, axis);
  auto x_of = [&](std::size_t i) { return left + (epochs <= 1 ? width / 2.0 : width * double(i) / (epochs - 1)); };
  auto y_of = [&](double v) { return top + height - height * std::clamp(v / top_value, 0.0, 1.0); };

  // Epoch numbers every `every` epochs (1, 2, 5, 10, ...), at least ~40 pixels apart.
  int every = 1;
  for (int candidate : {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}) {
    every = candidate;
    if (epochs <= 1 || width * double(candidate) / (epochs - 1) >= 40) break;
  }
  for (int e = 1; e <= epochs; ++e) {
    if (e % every != 0) continue;
    const int x = static_cast<int>(std::lround(x_of(std::size_t(e - 1))));
    canvas.line(x, top + height, x, top + height + 4, axis);
    const std::string label = std::to_string(e);
    canvas.text(x - text_width(label, kTextScale) / 2, top + height + 8, label, ink);
  }
  canvas.text(left + (width - text_width("epoch", kTextScale)) / 2, top + height + 14 + kTextHeight, "epoch", ink);

  // The title above the legend row, the legend right-aligned to the panel.
  canvas.text(left, top - 18 - 2 * kTextHeight, title, ink);
  int legend_x = left + width;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    if (it->legend.empty()) continue;
    legend_x -= text_width(it->legend, kTextScale);
    canvas.text(legend_x, top - 12 - kTextHeight, it->legend, ink);
    legend_x -= 22;
    canvas.line(legend_x, top - 12 - kTextHeight / 2 - 1, legend_x + 16, top - 12 - kTextHeight / 2 - 1, it->color, 3);
    legend_x -= 16 + 12;
  }

  // Drawn last to first, so that the first series (listed first in the legend) lie on top.
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    const Series& s = *it;
    for (std::size_t i = 0; i < s.values.size(); ++i) {
      if (i > 0) canvas.line(x_of(i - 1), y_of(s.values[i - 1]), x_of(i), y_of(s.values[i]), s.color, 2);
      for (int d = -2; d <= 2; ++d)
        canvas.line(x_of(i) - 2, y_of(s.values[i]) + d, x_of(i) + 2, y_of(s.values[i]) + d, s.color);
    }
  }
}


}  // namespace alexnet
