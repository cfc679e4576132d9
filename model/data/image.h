// Decoded images and the JPEG/PNG codecs (libjpeg-turbo, libpng).
//
// decode_image dispatches on the magic bytes, never on the file name (ImageNet has PNGs and CMYK
// files named .JPEG). Whatever the stored format - greyscale, grey+alpha, palette, RGB, RGBA,
// 1/2/4/8/16-bit PNG, greyscale/YCbCr/CMYK JPEG - the result is 8-bit with 1 channel (grey
// sources) or 3 channels (colour sources); alpha is dropped (not composited: the networks we
// train never saw a background colour, so any choice would be arbitrary). to_channels() converts
// between 1 and 3 when a data set needs one or the other.
//
// Decoders are built to be fuzzed: libjpeg's default error handler calls exit() and libpng's
// aborts unless a jump buffer is set, so both get handlers that longjmp back to code that throws a
// DataError; dimensions are capped before any pixel buffer is allocated; a truncated JPEG is an
// error (libjpeg would otherwise pad it with grey and only warn) and so is a JPEG with an absurd
// number of progressive scans (a known CPU-exhaustion input). "ImageNet has PNGs named .JPEG": one
// train file is a PNG and 22 are CMYK, the well-known cases that break naive pipelines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace alexnet::data {

// Decoding limits: larger images are rejected (as DataError) before their pixels are allocated.
inline constexpr int kMaxImageSide = 16384;
inline constexpr std::size_t kMaxImagePixels = std::size_t{1} << 28;
// Files larger than this are not read into memory by load_image (the largest ImageNet JPEG is
// ~15 MB).
inline constexpr std::size_t kMaxImageFileBytes = std::size_t{1} << 28;

struct Image {
  int width = 0, height = 0;
  int channels = 0;             // 1 (grey) or 3 (RGB); encode_png also accepts 2 and 4
  std::vector<uint8_t> pixels;  // (height, width, channels), interleaved, row-major

  std::size_t size() const {
    return static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
           static_cast<std::size_t>(channels);
  }
  uint8_t at(int x, int y, int c) const {
    return pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                   static_cast<std::size_t>(x)) * static_cast<std::size_t>(channels) +
                  static_cast<std::size_t>(c)];
  }
};

// Borrowed pixels with an Image's layout, (height, width, channels) interleaved: an Image's own, or
// a record of a memory-mapped packed file (model/data/packed_dataset.h). Valid while the owner is.
struct ImageView {
  int width = 0, height = 0, channels = 0;
  const uint8_t* pixels = nullptr;

  uint8_t at(int x, int y, int c) const {
    return pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                   static_cast<std::size_t>(x)) * static_cast<std::size_t>(channels) +
                  static_cast<std::size_t>(c)];
  }
};
inline ImageView view_of(const Image& image) {
  return ImageView{image.width, image.height, image.channels, image.pixels.data()};
}

// Throws DataError("<name_for_errors>: <problem>") on anything that is not a complete, valid JPEG
// or PNG within the limits above.
//
// min_short_side > 0 lets a JPEG decode straight to a smaller size: libjpeg-turbo's DCT-domain
// scaling by M/8 (M = 1..8) with the smallest M whose output keeps the short side >= min_short_side
// (each side is ceil(side * M / 8)). It skips most of the inverse DCT and the colour conversion of
// pixels a later resize would throw away: a 3648x2736 photo bound for a 256 short side decodes at
// 1/8 scale. The result differs from a full decode followed by the same resize by the filtering
// (the DCT's own decimation instead of ours), so callers that must reproduce earlier numbers pass
// 0. PNGs, and JPEGs already close to min_short_side (M = 8), decode at full size.
Image decode_image(std::span<const uint8_t> bytes, const std::string& name_for_errors,
                   int min_short_side = 0);

// Reads and decodes a file (DataError names the path); min_short_side as in decode_image.
Image load_image(const std::string& path, int min_short_side = 0);

// The JPEG scale numerator decode_image picks (denominator 8) for a width x height image.
int jpeg_scale_for(int width, int height, int min_short_side);

// Reads a whole file, refusing files over max_bytes (DataError names the path).
std::vector<uint8_t> read_file_bytes(const std::string& path, std::size_t max_bytes);

// 8-bit PNG of 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels; lossless.
std::vector<uint8_t> encode_png(const Image& image);
// Baseline JPEG of 1 or 3 channels, quality 1..100, 4:2:0 chroma subsampling (libjpeg's default).
std::vector<uint8_t> encode_jpeg(const Image& image, int quality);
// Writes a PNG atomically: a temporary file in the same directory, then rename(), so a reader
// (or a crash) never sees half a file.
void write_png(const std::string& path, const Image& image);

// 1 -> 3 replicates grey; 3 -> 1 is ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, rounded),
// the conversion libjpeg and PIL use. Same channel count: returned as is (moved, not copied).
Image to_channels(Image image, int channels);

// Throws std::invalid_argument unless the image is well formed: positive sides within the limits,
// channels in [1, 4], and pixels.size() == width * height * channels.
void check_image(const Image& image, const char* who);

}  // namespace alexnet::data
