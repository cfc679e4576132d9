// The paper's Figure 3: conv1's kernels as a picture, one tile per kernel, the first half of the
// kernels (device 0's in the two-device layout, the paper's GPU 1) above the second half. Each
// kernel's weights are scaled on their own from [min, max] to [0, 255], so its structure shows
// whatever its magnitude; three input channels are drawn as RGB, one as grey.
#pragma once

#include <cstdint>
#include <utility>

#include "model/data/image.h"
#include "model/io/checkpoint.h"

namespace alexnet::paper {

// Where each kernel's tile lies. Every weight is a zoom x zoom block of pixels; tiles are gap
// pixels apart, and the two halves are separated by a band of `band` pixels; gaps and band are
// white.
struct FilterLayout {
  int kernels = 0, channels = 0, size = 0;  // conv1.weight is (kernels, channels, size, size)
  int zoom = 1, columns = 1, gap = 1, band = 8;
  int first_half = 0;                       // kernels in the upper block
  int width = 0, height = 0;                // of the whole picture
  // Top-left pixel of kernel k's tile.
  std::pair<int, int> origin(int kernel) const;
};

// columns 0: up to 16 a row. Tiles are about 40 pixels wide (zoom = max(1, 40 / size)).
FilterLayout filter_layout(int kernels, int channels, int size, int columns = 0);

// A weight's grey or colour level on its kernel's scale [lo, hi] (128 when the kernel is constant).
std::uint8_t filter_level(float weight, float lo, float hi);

// weight: conv1.weight, shape (kernels, channels, size, size) with 1 or 3 channels. Throws
// std::invalid_argument for another shape.
data::Image draw_filters(const Tensor& weight, int columns = 0);

}  // namespace alexnet::paper
