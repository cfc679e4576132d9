// A tiny raster canvas for the project's pictures (curves.png and the like): axes, grid lines,
// polylines and labels in the built-in 5x7 font, drawn straight into RGB pixels and written with
// libpng, so no plotting or font dependency is needed.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "model/data/image.h"
#include "model/plot/bitmap_font.h"

namespace alexnet {

inline constexpr int kTextScale = 2;  // labels: each font pixel 2x2
inline constexpr int kTextHeight = kGlyphHeight * kTextScale;

using Rgb = std::array<std::uint8_t, 3>;

// A tiny raster canvas: enough for axes, grid lines, polylines and labels.
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
  // `text` with its top-left corner at (x, y), each font pixel a scale x scale square.
  void text(int x, int y, std::string_view text, Rgb c, int scale = kTextScale) {
    for (char ch : text) {
      const GlyphRows rows = glyph_rows(ch);
      for (int r = 0; r < kGlyphHeight; ++r)
        for (int col = 0; col < kGlyphWidth; ++col)
          if (rows[r] >> (kGlyphWidth - 1 - col) & 1u)
            for (int dy = 0; dy < scale; ++dy)
              for (int dx = 0; dx < scale; ++dx) dot(x + col * scale + dx, y + r * scale + dy, c);
      x += kGlyphAdvance * scale;
    }
  }
};

}  // namespace alexnet
