// The uint8 batch path against the float path: the same windows and flips for every view and
// seed; with no PCA shift, (byte - mean) * scale is the float output bit for bit; with one, the
// difference is the shift's rounding (at most half a level) except where a pixel saturated.
// And the loader's uint8 batches carry those bytes, with the transform that normalises them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "model/data/augment.h"
#include "model/data/loader.h"

namespace alexnet::data {
namespace {

// Varied pixels, including values near 0 and 255 where a shift saturates.
Image varied(int w, int h, int c) {
  Image im{w, h, c, std::vector<uint8_t>(static_cast<std::size_t>(w) * h * c)};
  for (std::size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<uint8_t>((i * 97 + i / 7 * 31) % 256);
  return im;
}

Normalization norm3() {
  Normalization n;
  n.mean = {120, 110, 100};
  n.pixel_scale = 1.0f / 64;
  n.eigval = {0.2f, 0.02f, 0.004f};
  n.eigvec = {{{0.58f, 0.58f, 0.57f}, {0.71f, 0.0f, -0.71f}, {0.41f, -0.82f, 0.41f}}};
  return n;
}

struct Both {
  std::vector<float> f, from_bytes;
  std::vector<uint8_t> bytes;
};

Both run_both(const Image& im, const AugmentConfig& cfg, const Normalization& n, View view, uint64_t seed) {
  const std::size_t count = static_cast<std::size_t>(cfg.channels) * cfg.crop * cfg.crop;
  Both b{std::vector<float>(count), std::vector<float>(count), std::vector<uint8_t>(count)};
  augment(im, cfg, n, view, seed, b.f.data());
  augment_u8(view_of(im), cfg, n, view, seed, b.bytes.data());
  const InputTransform t = input_transform(cfg, n);
  const std::size_t plane = static_cast<std::size_t>(cfg.crop) * cfg.crop;
  for (std::size_t i = 0; i < count; ++i)
    b.from_bytes[i] = (static_cast<float>(b.bytes[i]) - t.mean[i / plane]) * t.scale[i / plane];
  return b;
}

TEST(AugmentU8, WithoutPcaTheDeviceTransformGivesTheFloatsExactly) {
  const Image im = varied(13, 11, 3);
  for (bool subtract_mean : {true, false})
    for (int pad : {0, 2}) {
      AugmentConfig cfg;
      cfg.crop = 9;
      cfg.pad = pad;
      cfg.pca_std = 0;
      cfg.subtract_mean = subtract_mean;
      for (View view : {View::Train, View::Center, View::TenCrop1, View::TenCrop8})
        for (uint64_t seed = 0; seed < 40; ++seed) {
          const Both b = run_both(im, cfg, norm3(), view, seed);
          ASSERT_EQ(0, std::memcmp(b.f.data(), b.from_bytes.data(), b.f.size() * sizeof(float)))
              << "view " << static_cast<int>(view) << " seed " << seed << " pad " << pad;
        }
    }
}

TEST(AugmentU8, GreyAndResizedImagesToo) {
  AugmentConfig cfg;
  cfg.channels = 1;
  cfg.resize_short = 10;
  cfg.center = 10;
  cfg.crop = 8;
  Normalization n;
  n.mean = {90};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Both b = run_both(varied(23, 15, 3), cfg, n, View::Train, seed);  // RGB -> grey, resized
    ASSERT_EQ(0, std::memcmp(b.f.data(), b.from_bytes.data(), b.f.size() * sizeof(float))) << seed;
  }
}

TEST(AugmentU8, PcaShiftIsRoundedToWholeLevelsAndSaturates) {
  const Image im = varied(12, 12, 3);
  AugmentConfig cfg;
  cfg.crop = 10;
  cfg.pca_std = 2.0f;  // shifts of tens of levels, so saturation happens
  const Normalization n = norm3();
  int saturated = 0, shifted = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const Both b = run_both(im, cfg, n, View::Train, seed);
    for (std::size_t i = 0; i < b.f.size(); ++i) {
      // The float path's pixel + shift, recovered: f / scale + mean.
      const double exact = b.f[i] / n.pixel_scale + n.mean[i / 100];
      const double got = b.bytes[i];
      if (exact < -0.5 || exact >= 255.5) {
        ++saturated;
        EXPECT_EQ(got, exact < 0 ? 0 : 255) << i;
      } else {
        EXPECT_LE(std::abs(got - exact), 0.5 + 1e-3) << "seed " << seed << " element " << i;
      }
      shifted += std::abs(exact - std::round(exact)) > 1e-3;
    }
  }
  EXPECT_GT(saturated, 0);
  EXPECT_GT(shifted, 0);  // the shift is fractional: the rounding was exercised
}

// A data set of one image, to check the loader's uint8 batches and transform.
class OneImage final : public Dataset {
 public:
  explicit OneImage(Image im) : im_(std::move(im)) {}
  std::size_t size() const override { return 6; }
  int num_classes() const override { return 2; }
  const std::vector<std::string>& class_names() const override { return names_; }
  int label(std::size_t i) const override { return static_cast<int>(i % 2); }
  int channels() const override { return 3; }
  Image image(std::size_t) const override { return im_; }
  std::string item_name(std::size_t i) const override { return "one/" + std::to_string(i); }

 private:
  Image im_;
  std::vector<std::string> names_{"a", "b"};
};

TEST(AugmentU8, LoaderEmitsUint8BatchesAndTheirTransform) {
  const OneImage ds(varied(12, 10, 3));
  AugmentConfig cfg;
  cfg.crop = 8;
  cfg.pca_std = 0;
  LoaderConfig lc;
  lc.batch = 3;
  lc.threads = 2;
  lc.seed = 4;
  Loader floats(ds, cfg, norm3(), lc);
  lc.output = PixelFormat::Uint8;
  Loader bytes(ds, cfg, norm3(), lc);
  const InputTransform t = bytes.input_transform();
  EXPECT_EQ(t.mean, norm3().mean);
  EXPECT_EQ(t.scale, std::vector<float>(3, norm3().pixel_scale));
  for (int k = 0; k < 2; ++k) {
    const auto f = floats.next();
    const auto b = bytes.next();
    ASSERT_TRUE(f && b);
    EXPECT_TRUE(b->images.empty());
    EXPECT_TRUE(f->pixels.empty());
    ASSERT_EQ(b->pixels.size(), f->images.size());
    EXPECT_EQ(b->labels, f->labels);
    for (std::size_t i = 0; i < b->pixels.size(); ++i)
      ASSERT_EQ((static_cast<float>(b->pixels[i]) - t.mean[i / 64 % 3]) * t.scale[i / 64 % 3], f->images[i]) << i;
  }
  EXPECT_FALSE(bytes.next());
}

}  // namespace
}  // namespace alexnet::data
