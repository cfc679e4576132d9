// JPEG decoding straight to a smaller size (libjpeg-turbo's DCT scaling): the scale chosen, the
// size it gives, pixels close to a full decode resized the same way, PNGs untouched, and the image
// folder asking for it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "model/data/augment.h"
#include "model/data/dataset.h"
#include "tests/data/packed_fixture.h"

namespace alexnet::data {
namespace {

using namespace testing;

TEST(ScaledDecode, SmallestScaleThatKeepsTheShortSide) {
  EXPECT_EQ(jpeg_scale_for(500, 375, 256), 6);   // 375 * 6/8 = 282; 5/8 would be 235
  EXPECT_EQ(jpeg_scale_for(375, 500, 256), 6);   // the short side decides, either orientation
  EXPECT_EQ(jpeg_scale_for(4000, 3000, 256), 1); // 3000 / 8 = 375
  EXPECT_EQ(jpeg_scale_for(2048, 2048, 256), 1); // exactly 256
  EXPECT_EQ(jpeg_scale_for(2047, 2047, 256), 1); // ceil(2047 / 8) = 256: libjpeg rounds up
  EXPECT_EQ(jpeg_scale_for(2040, 2040, 256), 2); // 255 at 1/8
  EXPECT_EQ(jpeg_scale_for(300, 300, 256), 7);
  EXPECT_EQ(jpeg_scale_for(256, 256, 256), 8);   // no room: full size
  EXPECT_EQ(jpeg_scale_for(100, 100, 256), 8);   // smaller than the target: full size
  EXPECT_EQ(jpeg_scale_for(4000, 3000, 0), 8);   // 0: off
}

// A smooth picture: a pattern near the output's Nyquist rate would alias differently under the two
// filters and say nothing about the decoder.
Image smooth(int w, int h) {
  Image im{w, h, 3, std::vector<uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        im.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            static_cast<uint8_t>(128 + 100 * std::sin(x / 9.0 + c) * std::cos(y / 7.0));
  return im;
}

TEST(ScaledDecode, DecodesAtTheScaledSizeAndCloseToAFullDecode) {
  const Image src = smooth(160, 120);
  const std::vector<uint8_t> jpeg = encode_jpeg(src, 95);
  const Image full = decode_image(jpeg, "t.jpg");
  EXPECT_EQ(full.width, 160);
  const Image quarter = decode_image(jpeg, "t.jpg", 30);  // 120 * 2/8 = 30
  EXPECT_EQ(quarter.width, 40);
  EXPECT_EQ(quarter.height, 30);
  EXPECT_EQ(quarter.channels, 3);
  const Image odd = decode_image(encode_jpeg(textured(101, 77, 3, 1), 90), "o.jpg", 21);  // 2/8: 20; 3/8: 28.9
  EXPECT_EQ(odd.width, 38);  // ceil(101 * 3 / 8)
  EXPECT_EQ(odd.height, 29);
  // Against the full decode shrunk by our resize: the same picture (mean error of a few levels at most; the
  // filters differ, so not equal).
  const Image shrunk = resize_bilinear(full, 40, 30);
  double err = 0;
  for (std::size_t i = 0; i < shrunk.pixels.size(); ++i) err += std::abs(shrunk.pixels[i] - quarter.pixels[i]);
  err /= static_cast<double>(shrunk.pixels.size());
  EXPECT_LT(err, 3.0);
  EXPECT_GT(err, 0.0);
  // Greyscale JPEGs scale too; PNGs never do.
  EXPECT_EQ(decode_image(encode_jpeg(textured(64, 64, 1, 2), 90), "g.jpg", 16).width, 16);
  EXPECT_EQ(decode_image(encode_png(textured(64, 64, 3, 2)), "p.png", 16).width, 64);
}

TEST(ScaledDecode, ImageFolderDecodesAtLeastTheAskedSize) {
  TempDir tmp;
  write_bytes(tmp / "d" / "a" / "x.jpg", encode_jpeg(textured(200, 120, 3, 5), 90));
  const ImageFolderDataset ds((tmp / "d").string());
  const Image full = ds.image(0);
  EXPECT_EQ(full.width, 200);
  const Image small = ds.image_at_least(0, 40);  // 120 * 3/8 = 45
  EXPECT_EQ(small.width, 75);
  EXPECT_EQ(small.height, 45);
  // The skip policy passes the size on.
  EXPECT_EQ(ds.fetch_or_next_valid(0, 40).pixels().height, 45);
  EXPECT_EQ(ds.fetch_or_next_valid(0, 0).pixels().height, 120);
}

}  // namespace
}  // namespace alexnet::data
