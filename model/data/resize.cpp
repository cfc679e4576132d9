// Antialiased bilinear resizing. See augment.h.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "model/data/augment.h"

namespace alexnet::data {

// ---- resize ----

namespace {

// For each output pixel along one axis: the first input pixel and the normalised weights.
struct Taps {
  std::vector<int> first, count;
  std::vector<float> weights;  // out x max_count
  int max_count = 0;
};

Taps make_taps(int in, int out) {
  const double scale = static_cast<double>(in) / out;
  // Shrinking widens the triangle by the scale factor so every input pixel under an output pixel
  // contributes (plain bilinear reads 2 input pixels whatever the factor, and aliases).
  const double width = std::max(scale, 1.0);
  Taps t;
  t.max_count = static_cast<int>(std::ceil(width)) * 2 + 2;
  t.first.resize(static_cast<std::size_t>(out));
  t.count.resize(static_cast<std::size_t>(out));
  t.weights.assign(static_cast<std::size_t>(out) * t.max_count, 0.0f);
  for (int o = 0; o < out; ++o) {
    const double center = (o + 0.5) * scale;  // in input pixel coordinates
    const int lo = std::max(0, static_cast<int>(std::floor(center - width)));
    const int hi = std::min(in, static_cast<int>(std::ceil(center + width)));
    const int n = std::min(hi - lo, t.max_count);
    float* w = t.weights.data() + static_cast<std::size_t>(o) * t.max_count;
    double sum = 0;
    for (int k = 0; k < n; ++k) {
      const double v = std::max(0.0, 1.0 - std::abs((lo + k + 0.5 - center) / width));
      w[k] = static_cast<float>(v);
      sum += v;
    }
    // Taps past the border are dropped and the rest renormalised (edge pixels extend).
    for (int k = 0; k < n; ++k) w[k] = static_cast<float>(w[k] / sum);
    t.first[static_cast<std::size_t>(o)] = lo;
    t.count[static_cast<std::size_t>(o)] = n;
  }
  return t;
}

}  // namespace

namespace {

// Horizontal pass for one row of C-channel pixels, C a compile-time constant so the channel loop
// unrolls: in (in_w, C) floats -> out (out_w, C) floats.
template <int C>
void filter_row(const float* in, const Taps& t, int out_w, float* out) {
  for (int x = 0; x < out_w; ++x) {
    const float* w = t.weights.data() + static_cast<std::size_t>(x) * t.max_count;
    const float* s = in + static_cast<std::size_t>(t.first[x]) * C;
    float acc[C] = {};
    for (int k = 0; k < t.count[x]; ++k)
      for (int ch = 0; ch < C; ++ch) acc[ch] += w[k] * s[k * C + ch];
    for (int ch = 0; ch < C; ++ch) out[x * C + ch] = acc[ch];
  }
}

}  // namespace

Image resize_bilinear(const Image& image, int width, int height) {
  check_image(image, "resize_bilinear");
  if (width == image.width && height == image.height) return image;
  return resize_bilinear(view_of(image), width, height);
}

Image resize_bilinear(const ImageView& image, int width, int height) {
  if (image.width <= 0 || image.height <= 0 || image.channels < 1 || image.channels > 4 || !image.pixels)
    throw std::invalid_argument("resize_bilinear: bad source " + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + "x" + std::to_string(image.channels));
  if (width <= 0 || height <= 0 || width > kMaxImageSide || height > kMaxImageSide)
    throw std::invalid_argument("resize_bilinear: bad target size " + std::to_string(width) + "x" +
                                std::to_string(height));
  const int c = image.channels;
  if (width == image.width && height == image.height) {
    const std::size_t n = static_cast<std::size_t>(width) * height * c;
    return Image{width, height, c, std::vector<uint8_t>(image.pixels, image.pixels + n)};
  }
  const Taps tx = make_taps(image.width, width);
  const Taps ty = make_taps(image.height, height);
  // Horizontal pass: (in_h, width, c) floats. Each input row is widened to floats once.
  const std::size_t in_row = static_cast<std::size_t>(image.width) * c;
  const std::size_t row = static_cast<std::size_t>(width) * c;
  std::vector<float> tmp(static_cast<std::size_t>(image.height) * row), line(in_row);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* src = image.pixels + static_cast<std::size_t>(y) * in_row;
    for (std::size_t i = 0; i < in_row; ++i) line[i] = src[i];
    float* dst = tmp.data() + static_cast<std::size_t>(y) * row;
    switch (c) {
      case 1: filter_row<1>(line.data(), tx, width, dst); break;
      case 2: filter_row<2>(line.data(), tx, width, dst); break;
      case 3: filter_row<3>(line.data(), tx, width, dst); break;
      default: filter_row<4>(line.data(), tx, width, dst); break;
    }
  }
  // Vertical pass: whole rows at a time (the inner loop runs along the row and vectorises),
  // then rounded to bytes.
  Image out{width, height, c, std::vector<uint8_t>(static_cast<std::size_t>(height) * row)};
  std::vector<float> acc(row);
  for (int y = 0; y < height; ++y) {
    const float* w = ty.weights.data() + static_cast<std::size_t>(y) * ty.max_count;
    const float* s = tmp.data() + static_cast<std::size_t>(ty.first[y]) * row;
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int k = 0; k < ty.count[y]; ++k) {
      const float wk = w[k];
      const float* sk = s + static_cast<std::size_t>(k) * row;
      for (std::size_t i = 0; i < row; ++i) acc[i] += wk * sk[i];
    }
    uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * row;
    for (std::size_t i = 0; i < row; ++i)
      dst[i] = static_cast<uint8_t>(std::clamp(acc[i] + 0.5f, 0.0f, 255.0f));
  }
  return out;
}

}  // namespace alexnet::data
