#include "model/metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "model/data/image.h"

namespace alexnet {
namespace {

constexpr const char* kHeader =
    "epoch,train_loss,train_top1_error,train_top5_error,val_loss,val_top1_error,val_top5_error,lr,seconds,"
    "data_wait_seconds";

using Rgb = std::array<std::uint8_t, 3>;

// A tiny raster canvas: enough for axes, grid lines and polylines.
struct Canvas {
  data::Image image;
  Canvas(int w, int h) {
    image.width = w;
    image.height = h;
    image.channels = 3;
    image.pixels.assign(std::size_t(w) * h * 3, 255);
  }
  void dot(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
    auto* p = &image.pixels[(std::size_t(y) * image.width + x) * 3];
    p[0] = c[0], p[1] = c[1], p[2] = c[2];
  }
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1) {
    const int steps = static_cast<int>(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      const double t = static_cast<double>(i) / steps;
      const int x = static_cast<int>(std::lround(x0 + (x1 - x0) * t));
      const int y = static_cast<int>(std::lround(y0 + (y1 - y0) * t));
      for (int dx = 0; dx < thickness; ++dx)
        for (int dy = 0; dy < thickness; ++dy) dot(x + dx, y + dy, c);
    }
  }
};

// One panel: several series over epochs, y from 0 to the largest value, with grid lines.
void draw_panel(Canvas& canvas, int left, int top, int width, int height,
                const std::vector<std::pair<std::vector<double>, Rgb>>& series, int epochs) {
  double top_value = 1e-9;
  for (const auto& [values, color] : series)
    for (double v : values)
      if (std::isfinite(v)) top_value = std::max(top_value, v);
  const Rgb grid{225, 225, 225}, axis{60, 60, 60};
  for (int g = 0; g <= 4; ++g) {
    const double y = top + height - height * g / 4.0;
    canvas.line(left, y, left + width, y, grid);
  }
  canvas.line(left, top, left, top + height, axis);
  canvas.line(left, top + height, left + width, top + height, axis);
  auto x_of = [&](std::size_t i) { return left + (epochs <= 1 ? width / 2.0 : width * double(i) / (epochs - 1)); };
  auto y_of = [&](double v) { return top + height - height * std::clamp(v / top_value, 0.0, 1.0); };
  for (const auto& [values, color] : series)
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) canvas.line(x_of(i - 1), y_of(values[i - 1]), x_of(i), y_of(values[i]), color, 2);
      for (int d = -2; d <= 2; ++d) canvas.line(x_of(i) - 2, y_of(values[i]) + d, x_of(i) + 2, y_of(values[i]) + d, color);
    }
}

}  // namespace

std::vector<EpochMetrics> read_metrics_csv(const std::string& path) {
  std::vector<EpochMetrics> rows;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return rows;  // missing or empty: no history
  while (std::getline(in, line)) {
    EpochMetrics m;
    if (std::sscanf(line.c_str(), "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &m.epoch, &m.train_loss,
                    &m.train_top1_error, &m.train_top5_error, &m.val_loss, &m.val_top1_error, &m.val_top5_error,
                    &m.lr, &m.seconds, &m.data_wait_seconds) == 10)
      rows.push_back(m);
  }
  return rows;
}

void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << kHeader << "\n";
    char buffer[512];
    for (const auto& m : rows) {
      std::snprintf(buffer, sizeof buffer, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.8g,%.3f,%.3f\n", m.epoch, m.train_loss,
                    m.train_top1_error, m.train_top5_error, m.val_loss, m.val_top1_error, m.val_top5_error, m.lr,
                    m.seconds, m.data_wait_seconds);
      out << buffer;
    }
    if (!out) throw std::runtime_error(path + ": cannot write metrics");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot replace metrics");
}

void write_curves_png(const std::string& path, const std::vector<EpochMetrics>& rows) {
  // Left: train (blue) and validation (orange) loss. Right: train and validation top-1 error
  // (solid colours) and top-5 error (lighter). Each panel's y axis runs from 0 to its maximum.
  Canvas canvas(960, 400);
  std::vector<double> train_loss, val_loss, train1, val1, train5, val5;
  for (const auto& m : rows) {
    train_loss.push_back(m.train_loss);
    val_loss.push_back(m.val_loss);
    train1.push_back(m.train_top1_error);
    val1.push_back(m.val_top1_error);
    train5.push_back(m.train_top5_error);
    val5.push_back(m.val_top5_error);
  }
  const Rgb blue{31, 119, 180}, orange{255, 127, 14}, light_blue{150, 190, 225}, light_orange{255, 200, 150};
  const int epochs = static_cast<int>(rows.size());
  draw_panel(canvas, 40, 30, 400, 330, {{train_loss, blue}, {val_loss, orange}}, epochs);
  draw_panel(canvas, 520, 30, 400, 330, {{train5, light_blue}, {val5, light_orange}, {train1, blue}, {val1, orange}},
             epochs);
  data::write_png(path, canvas.image);
}

}  // namespace alexnet
