// A 5x7 pixel font for the labels of curves.png: digits, the lower-case letters and a little
// punctuation (labels are written in lower case). Drawing text this way keeps the plot free of any font dependency.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace alexnet {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;
inline constexpr int kGlyphAdvance = kGlyphWidth + 1;  // one blank column between characters

// Row r of a glyph is a 5-bit mask, bit 4 the leftmost pixel. A character the font lacks is a
// hollow box, so a missing glyph shows in the picture instead of vanishing.
using GlyphRows = std::array<std::uint8_t, kGlyphHeight>;
GlyphRows glyph_rows(char c);
bool has_glyph(char c);

// Width in pixels of `text` drawn at `scale` (each font pixel a scale x scale square).
int text_width(std::string_view text, int scale);

}  // namespace alexnet
