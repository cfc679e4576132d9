// Test images made from a formula of each pixel's place, so that a test can tell from a value
// where it came from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/data/image.h"

namespace alexnet::testing {

// A w x h image of c channels whose pixel (x, y, ch) is value(x, y, ch), cast to a byte.
template <class F>
data::Image image_of(int w, int h, int c, F value) {
  data::Image im{w, h, c, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * c)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch)
        im.pixels[(static_cast<std::size_t>(y) * w + x) * c + ch] = static_cast<std::uint8_t>(value(x, y, ch));
  return im;
}

}  // namespace alexnet::testing
