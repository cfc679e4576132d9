// `alexnet_vk filters`' picture: every weight of every kernel is a zoom x zoom block of its level
// on its kernel's own scale, the first half of the kernels above the band and the second below.
#include <gtest/gtest.h>

#include <random>

#include "model/paper/filters.h"

namespace alexnet::paper {
namespace {

Tensor random_kernels(int kernels, int channels, int size, std::uint32_t seed) {
  Tensor t;
  t.shape = {kernels, channels, size, size};
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.01f);
  for (int i = 0; i < kernels * channels * size * size; ++i) t.data.push_back(normal(rng));
  return t;
}

void expect_blocks_match(const Tensor& t) {
  const int kernels = t.shape[0], channels = t.shape[1], size = t.shape[2];
  const data::Image image = draw_filters(t);
  const FilterLayout l = filter_layout(kernels, channels, size);
  ASSERT_EQ(image.width, l.width);
  ASSERT_EQ(image.height, l.height);
  ASSERT_EQ(image.channels, channels);
  const std::size_t per_kernel = std::size_t(channels) * size * size;
  for (int k = 0; k < kernels; ++k) {
    const float* w = t.data.data() + k * per_kernel;
    const float lo = *std::min_element(w, w + per_kernel), hi = *std::max_element(w, w + per_kernel);
    const auto [x0, y0] = l.origin(k);
    for (int c = 0; c < channels; ++c)
      for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
          const std::uint8_t want = filter_level(w[(c * size + y) * size + x], lo, hi);
          for (int dy = 0; dy < l.zoom; ++dy)
            for (int dx = 0; dx < l.zoom; ++dx)
              ASSERT_EQ(image.at(x0 + x * l.zoom + dx, y0 + y * l.zoom + dy, c), want)
                  << "kernel " << k << " channel " << c << " weight (" << y << ", " << x << ")";
        }
  }
  // Each kernel's extremes reach the ends of the scale.
  EXPECT_EQ(filter_level(-1, -1, 1), 0);
  EXPECT_EQ(filter_level(1, -1, 1), 255);
  EXPECT_EQ(filter_level(0.5f, 0.5f, 0.5f), 128);  // a constant kernel is mid grey
}

TEST(Filters, RgbKernelsAreBlocksOfTheirScaledWeights) { expect_blocks_match(random_kernels(10, 3, 11, 1)); }

TEST(Filters, GreyKernelsAreBlocksOfTheirScaledWeights) { expect_blocks_match(random_kernels(32, 1, 5, 2)); }

TEST(Filters, TheSecondHalfLiesBelowTheFirstPastTheBand) {
  const FilterLayout l = filter_layout(96, 3, 11);
  EXPECT_EQ(l.first_half, 48);
  EXPECT_EQ(l.columns, 16);
  const int tile = 11 * l.zoom;
  int lowest_first = 0;
  for (int k = 0; k < 48; ++k) lowest_first = std::max(lowest_first, l.origin(k).second + tile);
  for (int k = 48; k < 96; ++k) EXPECT_GE(l.origin(k).second, lowest_first + l.band) << k;
  EXPECT_EQ(l.origin(48).first, l.origin(0).first);  // the halves line up column for column
}

TEST(Filters, RefusesATensorThatIsNotConv1Weights) {
  Tensor t;
  t.shape = {4, 2, 3, 3};  // two input channels
  t.data.assign(72, 0.0f);
  EXPECT_THROW(draw_filters(t), std::invalid_argument);
  t.shape = {4, 3, 3, 3};  // too few values for the shape
  EXPECT_THROW(draw_filters(t), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::paper
