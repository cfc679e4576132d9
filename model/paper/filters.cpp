#include "model/paper/filters.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace alexnet::paper {

std::pair<int, int> FilterLayout::origin(int kernel) const {
  const bool lower = kernel >= first_half;
  const int in_half = lower ? kernel - first_half : kernel;
  const int rows_first = (first_half + columns - 1) / columns;
  const int tile = size * zoom;
  const int x = gap + (in_half % columns) * (tile + gap);
  int y = gap + (in_half / columns) * (tile + gap);
  if (lower) y += rows_first * (tile + gap) + band;
  return {x, y};
}

FilterLayout filter_layout(int kernels, int channels, int size, int columns) {
  FilterLayout l;
  l.kernels = kernels;
  l.channels = channels;
  l.size = size;
  l.zoom = std::max(1, 40 / size);
  l.first_half = (kernels + 1) / 2;
  l.columns = columns > 0 ? columns : std::min(16, std::max(1, l.first_half));
  const int tile = size * l.zoom;
  const int rows_first = (l.first_half + l.columns - 1) / l.columns;
  const int rows_second = (kernels - l.first_half + l.columns - 1) / l.columns;
  l.width = l.gap + l.columns * (tile + l.gap);
  l.height = l.gap + (rows_first + rows_second) * (tile + l.gap) + (rows_second > 0 ? l.band : 0);
  return l;
}

std::uint8_t filter_level(float weight, float lo, float hi) {
  if (!(hi > lo)) return 128;
  const double t = (double(weight) - lo) / (double(hi) - lo);
  return static_cast<std::uint8_t>(std::lround(std::clamp(t, 0.0, 1.0) * 255));
}

data::Image draw_filters(const Tensor& weight, int columns) {
  const auto& s = weight.shape;
  std::string shape;
  std::size_t count = 1;
  for (int d : s) {
    shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    count *= std::size_t(std::max(d, 0));
  }
  if (s.size() != 4 || s[2] != s[3] || (s[1] != 1 && s[1] != 3) || s[0] < 1 || s[2] < 1 || weight.data.size() != count)
    throw std::invalid_argument("conv1.weight must be (kernels, 1 or 3 channels, k, k), not (" + shape + ")");
  const FilterLayout l = filter_layout(s[0], s[1], s[2], columns);
  data::Image image;
  image.width = l.width;
  image.height = l.height;
  image.channels = l.channels;
  image.pixels.assign(image.size(), 255);
  const std::size_t per_kernel = std::size_t(l.channels) * l.size * l.size;
  for (int k = 0; k < l.kernels; ++k) {
    const float* w = weight.data.data() + k * per_kernel;
    const auto [lo, hi] = std::minmax_element(w, w + per_kernel);
    const auto [x0, y0] = l.origin(k);
    for (int c = 0; c < l.channels; ++c)
      for (int y = 0; y < l.size * l.zoom; ++y)
        for (int x = 0; x < l.size * l.zoom; ++x) {
          const float v = w[(std::size_t(c) * l.size + y / l.zoom) * l.size + x / l.zoom];
          image.pixels[(std::size_t(y0 + y) * l.width + (x0 + x)) * l.channels + c] = filter_level(v, *lo, *hi);
        }
  }
  return image;
}

}  // namespace alexnet::paper
