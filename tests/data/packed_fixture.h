// Shared by the packed-data tests: a temporary folder, a generated ImageNet-layout tree of JPEGs
// and PNGs with textured pixels (so crops, flips and resizes all show), and error checks.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/data/error.h"
#include "model/data/image.h"
#include "model/data/prepare.h"
#include "tests/support/temp_dir.h"

namespace alexnet::data::testing {

namespace fs = std::filesystem;

using ::alexnet::testing::TempDir;
using ::alexnet::testing::write_bytes;
using ::alexnet::testing::read_bytes;

// Smooth gradients plus a per-image pattern: JPEG keeps them, and no two images are alike.
inline Image textured(int w, int h, int c, int seed) {
  Image im{w, h, c, std::vector<uint8_t>(static_cast<std::size_t>(w) * h * c)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k)
        im.pixels[(static_cast<std::size_t>(y) * w + x) * c + k] =
            static_cast<uint8_t>((x * (3 + k) + y * (5 - k) + seed * 37 + ((x / 4 + y / 4 + seed) % 2) * 40) % 256);
  return im;
}

// root/train/{a_cat, b_dog, c_eel} and root/val/{same}: JPEGs (colour and grey, landscape and
// portrait, some large enough for DCT scaling at small sizes) and PNGs (RGB and grey).
// Returns the number of train images.
inline int make_image_tree(const fs::path& root) {
  const char* classes[] = {"a_cat", "b_dog", "c_eel"};
  int n = 0;
  for (int k = 0; k < 3; ++k) {
    const fs::path dir = root / "train" / classes[k];
    write_bytes(dir / "1.jpg", encode_jpeg(textured(40 + 4 * k, 30, 3, n++), 90));
    write_bytes(dir / "2.JPEG", encode_jpeg(textured(26, 44, 3, n++), 90));
    write_bytes(dir / "3.png", encode_png(textured(33, 21, 3, n++)));
    write_bytes(dir / "4.jpeg", encode_jpeg(textured(80, 64, 1, n++), 85));  // grey, scaled at size 16
    write_bytes(dir / "5.png", encode_png(textured(19, 17, 1, n++)));
    const fs::path val = root / "val" / classes[k];
    write_bytes(val / "v1.jpg", encode_jpeg(textured(36, 28, 3, 100 + k), 90));
    write_bytes(val / "v2.png", encode_png(textured(22, 30, 3, 200 + k)));
  }
  return n;
}

inline PrepareOptions small_prepare(const fs::path& source, const fs::path& out) {
  PrepareOptions o;
  o.source = source.string();
  o.out = out.string();
  o.size = 16;
  o.threads = 2;
  o.shard_images = 4;  // several shards per split
  return o;
}

template <class F>
void expect_data_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no DataError (wanted one containing \"" << needle << "\")";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace alexnet::data::testing
