// JPEG and PNG codecs: round trips through our encoders, every PNG colour type and depth (written
// here with libpng directly), CMYK JPEG, and corrupt, truncated and oversized input giving a
// DataError - never a crash, an exit() from libjpeg or an abort from libpng.
#include "model/data/image.h"

#include <gtest/gtest.h>
#include <png.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <jpeglib.h>
#include <string>
#include <vector>

#include "model/data/error.h"
#include "model/data/rng.h"
#include "tests/support/data_error.h"
#include "tests/support/images.h"
#include "tests/support/temp_dir.h"

namespace alexnet::data {
namespace {

namespace fs = std::filesystem;
using testing::expect_data_error;
using testing::TempDir;

// A smooth test pattern (JPEG-friendly: no edges) with distinct channels.
Image pattern(int w, int h, int c) {
  return testing::image_of(w, h, c,
                           [&](int x, int y, int ch) { return x * 180 / (w - 1) + y * 60 / (h - 1) + ch * 5; });
}

// Noise (for exact PNG round trips: exercises every filter).
Image noise(int w, int h, int c, uint64_t seed) {
  Image im{w, h, c, std::vector<uint8_t>(static_cast<std::size_t>(w) * h * c)};
  Rng rng(seed);
  for (uint8_t& p : im.pixels) p = static_cast<uint8_t>(rng.below(256));
  return im;
}

double mean_abs_diff(const Image& a, const Image& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) s += std::abs(a.pixels[i] - b.pixels[i]);
  return s / static_cast<double>(a.pixels.size());
}

// Writes a PNG with libpng directly: any colour type and bit depth, optional palette/tRNS and
// interlacing. rows hold the packed bytes libpng expects for that format.
struct RawPng {
  int width = 0, height = 0, color_type = PNG_COLOR_TYPE_RGB, bit_depth = 8;
  bool interlace = false;
  std::vector<png_color> palette;
  std::vector<uint8_t> trns;  // palette alpha
  std::vector<std::vector<uint8_t>> rows;
};

void append(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

std::vector<uint8_t> write_raw_png(const RawPng& spec) {
  std::vector<uint8_t> out;
  std::vector<png_bytep> rows;
  for (const auto& r : spec.rows) rows.push_back(const_cast<png_bytep>(r.data()));
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    ADD_FAILURE() << "libpng write failed";
    return {};
  }
  png_set_write_fn(png, &out, append, nullptr);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty())
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  if (!spec.trns.empty())
    png_set_tRNS(png, info, spec.trns.data(), static_cast<int>(spec.trns.size()), nullptr);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

TEST(Png, ExactRoundTrip) {
  for (int c : {1, 3}) {
    const Image im = noise(37, 23, c, 7 + c);
    const Image back = decode_image(encode_png(im), "mem.png");
    EXPECT_EQ(back.width, 37);
    EXPECT_EQ(back.height, 23);
    EXPECT_EQ(back.channels, c);
    EXPECT_EQ(back.pixels, im.pixels);
  }
}

// Alpha is dropped, colour kept exactly.
TEST(Png, AlphaIsDropped) {
  for (int c : {2, 4}) {
    const Image im = noise(9, 5, c, 3);
    const Image back = decode_image(encode_png(im), "alpha.png");
    ASSERT_EQ(back.channels, c - 1);
    for (std::size_t i = 0; i < 45; ++i)
      for (int ch = 0; ch < c - 1; ++ch)
        ASSERT_EQ(back.pixels[i * (c - 1) + ch], im.pixels[i * c + ch]);
  }
}

TEST(Png, PaletteWithTransparencyBecomesRgb) {
  RawPng spec;
  spec.width = 4;
  spec.height = 2;
  spec.color_type = PNG_COLOR_TYPE_PALETTE;
  spec.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
  spec.trns = {255, 0, 128};
  spec.rows = {{0, 1, 2, 3}, {3, 2, 1, 0}};
  const Image im = decode_image(write_raw_png(spec), "palette.png");
  ASSERT_EQ(im.channels, 3);
  const std::vector<uint8_t> want = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30,
                                     10, 20, 30, 0, 0, 255, 0, 255, 0, 255, 0, 0};
  EXPECT_EQ(im.pixels, want);
}

TEST(Png, SixteenBitIsScaledTo8) {
  RawPng spec;
  spec.width = 3;
  spec.height = 1;
  spec.bit_depth = 16;
  spec.color_type = PNG_COLOR_TYPE_RGB;
  // Big-endian 16-bit samples: 0xffff, 0x0000, 0x8080 | 0x1234, 0xfedc, 0x0101 | ...
  spec.rows = {{0xff, 0xff, 0x00, 0x00, 0x80, 0x80, 0x12, 0x34, 0xfe, 0xdc, 0x01, 0x01,
                0x7f, 0x7f, 0x00, 0x80, 0xff, 0x7f}};
  const Image im = decode_image(write_raw_png(spec), "rgb16.png");
  ASSERT_EQ(im.channels, 3);
  ASSERT_EQ(im.pixels.size(), 9u);
  // Rounded (scale_16): v * 255 / 65535.
  const uint16_t in[9] = {0xffff, 0, 0x8080, 0x1234, 0xfedc, 0x0101, 0x7f7f, 0x0080, 0xff7f};
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(im.pixels[i], in[i] * 255.0 / 65535.0, 0.5 + 1e-9) << i;

  spec.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;  // 16-bit grey + alpha
  spec.width = 2;
  spec.rows = {{0x12, 0x34, 0xff, 0xff, 0xab, 0xcd, 0x00, 0x00}};
  const Image ga = decode_image(write_raw_png(spec), "ga16.png");
  ASSERT_EQ(ga.channels, 1);
  EXPECT_EQ(ga.pixels, (std::vector<uint8_t>{0x12, 0xab}));
}

TEST(Png, LowBitDepthGreyAndInterlaced) {
  RawPng spec;
  spec.width = 8;
  spec.height = 2;
  spec.bit_depth = 1;
  spec.color_type = PNG_COLOR_TYPE_GRAY;
  spec.rows = {{0xa5}, {0x0f}};  // 10100101, 00001111
  const Image bw = decode_image(write_raw_png(spec), "bw.png");
  ASSERT_EQ(bw.channels, 1);
  EXPECT_EQ(bw.pixels, (std::vector<uint8_t>{255, 0, 255, 0, 0, 255, 0, 255,
                                             0, 0, 0, 0, 255, 255, 255, 255}));
  // Adam7 interlacing gives the same pixels.
  const Image im = noise(13, 11, 3, 5);
  RawPng rgb;
  rgb.width = 13;
  rgb.height = 11;
  rgb.interlace = true;
  for (int y = 0; y < 11; ++y)
    rgb.rows.emplace_back(im.pixels.begin() + y * 39, im.pixels.begin() + (y + 1) * 39);
  EXPECT_EQ(decode_image(write_raw_png(rgb), "adam7.png").pixels, im.pixels);
}

TEST(Jpeg, RoundTripIsClose) {
  const Image rgb = pattern(64, 48, 3);
  const Image back = decode_image(encode_jpeg(rgb, 95), "mem.jpg");
  ASSERT_EQ(back.channels, 3);
  ASSERT_EQ(back.width, 64);
  ASSERT_EQ(back.height, 48);
  EXPECT_LT(mean_abs_diff(rgb, back), 3.0);
  // Greyscale stays one channel.
  const Image grey = pattern(31, 17, 1);
  const Image gback = decode_image(encode_jpeg(grey, 90), "grey.jpg");
  ASSERT_EQ(gback.channels, 1);
  EXPECT_LT(mean_abs_diff(grey, gback), 3.0);
  // Lower quality, smaller file.
  EXPECT_LT(encode_jpeg(rgb, 20).size(), encode_jpeg(rgb, 95).size());
}

// Adobe (inverted) CMYK, as Photoshop writes it and ImageNet holds a few of.
TEST(Jpeg, CmykBecomesRgb) {
  const int w = 16, h = 16;
  std::vector<uint8_t> cmyk(w * h * 4);
  // Inverted values (255 = no ink): the left half has full magenta and yellow ink (red), the
  // right half full cyan ink (cyan); no black anywhere.
  for (int i = 0; i < w * h; ++i) {
    const bool left = (i % w) < w / 2;
    cmyk[4 * i + 0] = left ? 255 : 0;
    cmyk[4 * i + 1] = left ? 0 : 255;
    cmyk[4 * i + 2] = left ? 0 : 255;
    cmyk[4 * i + 3] = 255;
  }
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);  // writes an Adobe marker for CMYK
  jpeg_set_quality(&cinfo, 100, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  for (int y = 0; y < h; ++y) {
    JSAMPROW row = cmyk.data() + y * w * 4;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  const std::vector<uint8_t> bytes(buf, buf + size);
  std::free(buf);

  const Image im = decode_image(bytes, "cmyk.jpg");
  ASSERT_EQ(im.channels, 3);
  // Left: R = C*K/255 = 255, G = B = 0 (red). Right: cyan-ish (0, 255, 255).
  EXPECT_NEAR(im.at(2, 8, 0), 255, 6);
  EXPECT_NEAR(im.at(2, 8, 1), 0, 6);
  EXPECT_NEAR(im.at(2, 8, 2), 0, 6);
  EXPECT_NEAR(im.at(13, 8, 0), 0, 6);
  EXPECT_NEAR(im.at(13, 8, 1), 255, 6);
}

TEST(Decode, NotAnImage) {
  expect_data_error([] { decode_image(std::vector<uint8_t>{}, "empty.jpg"); },
                    "empty.jpg: empty file");
  const std::string text = "hello, world";
  expect_data_error([&] {
    decode_image(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), "x.png");
  }, "x.png: not a JPEG or PNG (starts with 68 65 6c 6c)");
  // The magic alone.
  expect_data_error([] { decode_image(std::vector<uint8_t>{0xff, 0xd8, 0xff}, "m.jpg"); },
                    "m.jpg: corrupt JPEG");
  expect_data_error([] {
    decode_image(std::vector<uint8_t>{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}, "m.png");
  }, "m.png: corrupt PNG");
}

// Decodes the prefixes bytes[0, n) for n = first, first + step, ... while n + tail < size: each
// must decode or throw a DataError containing `needle`. Returns how many decoded.
std::size_t decoded_prefixes(const std::vector<uint8_t>& bytes, const char* name, std::size_t first,
                             std::size_t step, std::size_t tail, const std::string& needle) {
  std::size_t decoded = 0;
  for (std::size_t n = first; n + tail < bytes.size(); n += step) {
    try {
      decode_image(std::span(bytes.data(), n), name);
      ++decoded;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos);
    }
  }
  return decoded;
}

// Every prefix of a PNG fails cleanly until the pixel data is complete.
TEST(Decode, TruncatedPngAtEveryLength) {
  const std::vector<uint8_t> bytes = encode_png(noise(20, 10, 3, 1));
  const std::size_t decoded = decoded_prefixes(bytes, "cut.png", 1, 1, 0, "cut.png: ");
  // Only the prefixes that miss nothing but the final IEND chunk (12 bytes) may decode.
  EXPECT_LE(decoded, 12u);
}

TEST(Decode, TruncatedJpegFails) {
  const std::vector<uint8_t> bytes = encode_jpeg(pattern(64, 64, 3), 90);
  const std::size_t decoded = decoded_prefixes(bytes, "cut.jpg", 3, 7, 2, "cut.jpg: corrupt JPEG");
  EXPECT_EQ(decoded, 0u);
  expect_data_error([&] { decode_image(std::span(bytes.data(), bytes.size() / 2), "half.jpg"); },
                    "Premature end of JPEG file");
}

// A small mutation fuzz: random byte flips must give an image or a DataError, nothing else.
TEST(Decode, MutatedBytesNeverCrash) {
  const std::vector<uint8_t> jpg = encode_jpeg(pattern(32, 32, 3), 80);
  const std::vector<uint8_t> png = encode_png(pattern(32, 32, 3));
  Rng rng(42);
  int errors = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<uint8_t> bytes = trial % 2 ? jpg : png;
    const int flips = 1 + static_cast<int>(rng.below(8));
    for (int f = 0; f < flips; ++f)
      bytes[3 + rng.below(bytes.size() - 3)] = static_cast<uint8_t>(rng.below(256));
    try {
      const Image im = decode_image(bytes, "fuzz");
      EXPECT_EQ(im.pixels.size(), im.size());
    } catch (const DataError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

// Progressive JPEGs with hundreds of scans are a known way to keep a decoder busy for minutes:
// repeat the last scan of a real progressive file 600 times and expect the scan limit.
TEST(Decode, TooManyProgressiveScansRejected) {
  const Image im = pattern(32, 32, 3);
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buf, &size);
  cinfo.image_width = 32;
  cinfo.image_height = 32;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  for (int y = 0; y < 32; ++y) {
    JSAMPROW row = const_cast<JSAMPROW>(im.pixels.data() + y * 96);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> bytes(buf, buf + size);
  std::free(buf);
  EXPECT_EQ(decode_image(bytes, "prog.jpg").width, 32);  // the honest file decodes

  // Repeat a scan that decodes the same way every time: the DC refinement (Ss = Se = 0, Ah = 1),
  // one bit per block. (A repeated AC refinement scan runs out of data and is rejected sooner, as
  // a premature end of data segment.)
  std::size_t sos = 0, end = 0;
  for (std::size_t i = 0; i + 3 < bytes.size() && sos == 0; ++i) {
    if (bytes[i] != 0xff || bytes[i + 1] != 0xda) continue;
    const std::size_t len = std::size_t{bytes[i + 2]} << 8 | bytes[i + 3], ns = bytes[i + 4];
    const std::size_t params = i + 5 + 2 * ns;  // Ss, Se, Ah/Al
    if (bytes[params] != 0 || bytes[params + 1] != 0 || bytes[params + 2] >> 4 != 1) continue;
    sos = i;
    for (end = i + 2 + len; end + 1 < bytes.size(); ++end)  // to the next marker (not RSTn, FF00)
      if (bytes[end] == 0xff && bytes[end + 1] != 0 && (bytes[end + 1] < 0xd0 || bytes[end + 1] > 0xd7))
        break;
  }
  ASSERT_GT(sos, 0u);
  const std::vector<uint8_t> scan(bytes.begin() + static_cast<std::ptrdiff_t>(sos),
                                  bytes.begin() + static_cast<std::ptrdiff_t>(end));
  std::vector<uint8_t> bomb(bytes.begin(), bytes.end() - 2);
  for (int k = 0; k < 600; ++k) bomb.insert(bomb.end(), scan.begin(), scan.end());
  bomb.insert(bomb.end(), {0xff, 0xd9});
  expect_data_error([&] { decode_image(bomb, "bomb.jpg"); }, "more than 500 progressive scans");
}

TEST(Decode, OversizedDimensionsRejected) {
  // PNG: patch IHDR width to 20000 (bytes 16..19) and fix the CRC so libpng reaches the check.
  std::vector<uint8_t> png = encode_png(pattern(8, 8, 3));
  png[16] = 0, png[17] = 0, png[18] = 0x4e, png[19] = 0x20;
  const uint32_t crc = static_cast<uint32_t>(crc32(0, png.data() + 12, 17));
  for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  expect_data_error([&] { decode_image(png, "wide.png"); }, "wide.png: corrupt PNG");
  // JPEG: patch the SOF0 frame size to 60000 x 60000.
  std::vector<uint8_t> jpg = encode_jpeg(pattern(8, 8, 3), 90);
  bool patched = false;
  for (std::size_t i = 2; i + 8 < jpg.size(); ++i)
    if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
      jpg[i + 5] = 0xea, jpg[i + 6] = 0x60, jpg[i + 7] = 0xea, jpg[i + 8] = 0x60;
      patched = true;
      break;
    }
  ASSERT_TRUE(patched);
  expect_data_error([&] { decode_image(jpg, "huge.jpg"); }, "over the limit");
}

TEST(ImageFiles, LoadAndAtomicWrite) {
  TempDir dir;
  const Image im = noise(11, 7, 3, 9);
  write_png(dir.file("a.png"), im);
  EXPECT_EQ(load_image(dir.file("a.png")).pixels, im.pixels);
  write_png(dir.file("a.png"), pattern(5, 5, 1));  // replaces
  EXPECT_EQ(load_image(dir.file("a.png")).channels, 1);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) (void)e, ++files;
  EXPECT_EQ(files, 1);  // no temporary left behind
  expect_data_error([&] { load_image(dir.file("missing.png")); }, dir.file("missing.png"));
  expect_data_error([&] { load_image(dir.path().string()); }, "not a regular file");
  expect_data_error([&] { write_png(dir.file("no/such/dir.png"), im); }, "no/such/dir.png");
}

TEST(ImageFiles, ChannelConversion) {
  const Image grey{2, 1, 1, {7, 200}};
  const Image rgb = to_channels(grey, 3);
  EXPECT_EQ(rgb.pixels, (std::vector<uint8_t>{7, 7, 7, 200, 200, 200}));
  EXPECT_EQ(to_channels(rgb, 1).pixels, grey.pixels);  // luma of grey is grey
  const Image colour{3, 1, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255}};
  EXPECT_EQ(to_channels(colour, 1).pixels, (std::vector<uint8_t>{76, 150, 29}));
  EXPECT_THROW(to_channels(Image{2, 2, 3, {1, 2, 3}}, 1), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::data
