// Augmentation against hand-computed expectations: exact centre crops, flips, the ten crops,
// padding, the PCA shift's distribution, resizing, and the normalisation statistics.
#include "model/data/augment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "model/data/error.h"
#include "model/data/rng.h"
#include "tests/support/images.h"

namespace alexnet::data {
namespace {

// Pixel (x, y, c) = 10 * y + x + 100 * c: every value tells where it came from.
Image coded(int w, int h, int c) {
  return testing::image_of(w, h, c, [](int x, int y, int ch) { return 10 * y + x + 100 * ch; });
}

Normalization norm3(float scale = 0.5f) {
  Normalization n;
  n.mean = {10, 20, 30};
  n.pixel_scale = scale;
  return n;
}

// What augment must write for window (ox, oy) of `im` (crop n), optionally flipped, no PCA.
std::vector<float> expected(const Image& im, int ox, int oy, int n, bool flip,
                            const Normalization& norm) {
  std::vector<float> out;
  for (int c = 0; c < im.channels; ++c)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const float p = im.at(ox + (flip ? n - 1 - x : x), oy + y, c);
        out.push_back(((p + 0.0f) - norm.mean[c]) * norm.pixel_scale);
      }
  return out;
}

std::vector<float> run(const Image& im, const AugmentConfig& cfg, const Normalization& norm,
                       View view, uint64_t seed) {
  std::vector<float> out(static_cast<std::size_t>(cfg.channels) * cfg.crop * cfg.crop);
  augment(im, cfg, norm, view, seed, out.data());
  return out;
}

TEST(Augment, CenterViewIsExact) {
  const Image im = coded(7, 6, 3);
  AugmentConfig cfg;
  cfg.crop = 3;
  // Slack 4 x 3: the centre window starts at (2, 1).
  EXPECT_EQ(run(im, cfg, norm3(), View::Center, 1), expected(im, 2, 1, 3, false, norm3()));
  // No mean subtraction.
  cfg.subtract_mean = false;
  Normalization none;
  none.pixel_scale = 1;
  EXPECT_EQ(run(im, cfg, none, View::Center, 1)[0], im.at(2, 1, 0));
}

TEST(Augment, TrainFlipsHalfTheTimeAndOnlyFlips) {
  const Image im = coded(5, 5, 3);
  AugmentConfig cfg;
  cfg.crop = 3;
  cfg.random_crop = false;
  cfg.pca_std = 0;
  const auto plain = expected(im, 1, 1, 3, false, norm3());
  const auto mirrored = expected(im, 1, 1, 3, true, norm3());
  int flips = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    const auto out = run(im, cfg, norm3(), View::Train, seed);
    ASSERT_TRUE(out == plain || out == mirrored) << seed;
    flips += out == mirrored;
    EXPECT_EQ(out, run(im, cfg, norm3(), View::Train, seed));  // a pure function of the seed
  }
  EXPECT_GT(flips, 150);
  EXPECT_LT(flips, 250);
  cfg.flip = false;
  for (uint64_t seed = 0; seed < 20; ++seed) EXPECT_EQ(run(im, cfg, norm3(), View::Train, seed), plain);
}

TEST(Augment, RandomCropsCoverEveryPosition) {
  const Image im = coded(6, 5, 1);
  AugmentConfig cfg;
  cfg.crop = 3;
  cfg.channels = 1;
  cfg.flip = false;
  Normalization n;
  n.mean = {0};
  n.pixel_scale = 1;
  std::set<std::pair<int, int>> seen;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const auto out = run(im, cfg, n, View::Train, seed);
    const int v = static_cast<int>(out[0]);  // top-left pixel 10 * y + x
    const int ox = v % 10, oy = v / 10;
    ASSERT_LE(ox, 3);
    ASSERT_LE(oy, 2);
    EXPECT_EQ(out, expected(im, ox, oy, 3, false, n));
    seen.insert({ox, oy});
  }
  EXPECT_EQ(seen.size(), 12u);  // 4 x 3 positions
}

TEST(Augment, TenCropsAreCornersCentreAndMirrors) {
  const Image im = coded(8, 7, 3);
  AugmentConfig cfg;
  cfg.crop = 4;
  const int sx = 4, sy = 3;
  const int pos[5][2] = {{0, 0}, {sx, 0}, {0, sy}, {sx, sy}, {sx / 2, sy / 2}};
  for (int k = 0; k < 10; ++k) {
    const auto want = expected(im, pos[k % 5][0], pos[k % 5][1], 4, k >= 5, norm3());
    EXPECT_EQ(run(im, cfg, norm3(), ten_crop_view(k), 99), want) << "view " << k;
  }
  EXPECT_THROW(ten_crop_view(10), std::invalid_argument);
}

TEST(Augment, PaddingReadsBlackPixels) {
  const Image im = coded(4, 4, 1);
  AugmentConfig cfg;
  cfg.crop = 4;
  cfg.pad = 2;
  cfg.channels = 1;
  Normalization n;
  n.mean = {5};
  n.pixel_scale = 1;
  const auto tl = run(im, cfg, n, View::TenCrop0, 0);  // window (0, 0) of the 8x8 padded image
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      const float p = (y >= 2 && x >= 2) ? im.at(x - 2, y - 2, 0) : 0.0f;
      EXPECT_EQ(tl[y * 4 + x], p - 5) << x << "," << y;
    }
  // The centre window of the padded image is the image itself.
  EXPECT_EQ(run(im, cfg, n, View::Center, 0), expected(im, 0, 0, 4, false, n));
}

// alpha_i ~ N(0, pca_std): recover each alpha from the shift and check mean, std, correlation.
TEST(Augment, PcaShiftHasTheRightStatistics) {
  Normalization n;
  n.mean = {0, 0, 0};
  n.pixel_scale = 1;
  n.eigval = {0.2175f, 0.0188f, 0.0045f};
  const float s = 1 / std::sqrt(3.0f), t = 1 / std::sqrt(2.0f), u = 1 / std::sqrt(6.0f);
  n.eigvec = {{{s, s, s}, {t, 0, -t}, {u, -2 * u, u}}};  // orthonormal
  AugmentConfig cfg;
  cfg.crop = 2;
  cfg.flip = false;
  cfg.pca_std = 0.1f;
  const Image im{2, 2, 3, std::vector<uint8_t>(12, 128)};
  const int trials = 4000;
  double sum[3] = {}, sq[3] = {}, cross01 = 0;
  for (int seed = 0; seed < trials; ++seed) {
    const auto out = run(im, cfg, n, View::Train, static_cast<uint64_t>(seed));
    double shift[3];
    for (int c = 0; c < 3; ++c) {
      shift[c] = out[c * 4] - 128.0;
      EXPECT_NEAR(out[c * 4 + 3], out[c * 4], 1e-4);  // one shift per channel
    }
    double alpha[3];
    for (int i = 0; i < 3; ++i) {
      double dot = 0;
      for (int c = 0; c < 3; ++c) dot += shift[c] * n.eigvec[i][c];
      alpha[i] = dot / (255.0 * n.eigval[i]);
      sum[i] += alpha[i];
      sq[i] += alpha[i] * alpha[i];
    }
    cross01 += alpha[0] * alpha[1];
  }
  for (int i = 0; i < 3; ++i) {
    const double mean = sum[i] / trials, sd = std::sqrt(sq[i] / trials - mean * mean);
    EXPECT_NEAR(mean, 0.0, 4 * 0.1 / std::sqrt(trials)) << i;
    EXPECT_NEAR(sd, 0.1, 0.006) << i;
  }
  EXPECT_NEAR(cross01 / trials / 0.01, 0.0, 0.08);  // correlation of alpha_0 and alpha_1
  // Centre and ten-crop views never shift colour; nor does a greyscale config.
  EXPECT_EQ(run(im, cfg, n, View::Center, 5)[0], 128.0f);
  EXPECT_EQ(run(im, cfg, n, View::TenCrop7, 5)[0], 128.0f);
  cfg.channels = 1;
  n.mean = {0};
  for (int seed = 0; seed < 10; ++seed)
    EXPECT_EQ(run(im, cfg, n, View::Train, static_cast<uint64_t>(seed))[0], 128.0f);
}

TEST(Augment, ResizeShortSideAndCentreSquare) {
  // 40x20 -> short side 10 -> 20x10, centre 10x10, crop 10: a constant image stays constant.
  const Image im{40, 20, 3, std::vector<uint8_t>(40 * 20 * 3, 77)};
  AugmentConfig cfg;
  cfg.resize_short = 10;
  cfg.center = 10;
  cfg.crop = 10;
  for (View view : {View::Train, View::Center}) {
    const auto out = run(im, cfg, norm3(1), view, 3);
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 100; ++k) ASSERT_EQ(out[c * 100 + k], 77.0f - 10 * (c + 1));
  }
  // Grey input, RGB config: replicated.
  const Image grey{6, 6, 1, std::vector<uint8_t>(36, 40)};
  cfg = AugmentConfig{};
  cfg.crop = 6;
  const auto out = run(grey, cfg, norm3(1), View::Center, 0);
  EXPECT_EQ(out[0], 30);
  EXPECT_EQ(out[36], 20);
  EXPECT_EQ(out[72], 10);
}

TEST(Augment, TooSmallImagesAndBadConfigs) {
  const Image im = coded(5, 5, 3);
  AugmentConfig cfg;
  cfg.crop = 6;
  std::vector<float> out(3 * 36);
  EXPECT_THROW(augment(im, cfg, norm3(), View::Center, 0, out.data()), DataError);
  cfg.center = 8;
  cfg.crop = 4;
  EXPECT_THROW(augment(im, cfg, norm3(), View::Center, 0, out.data()), DataError);
  cfg = AugmentConfig{};
  EXPECT_THROW(augment(im, cfg, norm3(), View::Center, 0, out.data()), std::invalid_argument);
  cfg.crop = 2;
  EXPECT_THROW(augment(im, cfg, Normalization{}, View::Center, 0, out.data()),
               std::invalid_argument);  // subtract_mean without a mean
  cfg.pad = 1 << 30;  // would overflow int arithmetic
  EXPECT_THROW(augment(im, cfg, norm3(), View::Center, 0, out.data()), std::invalid_argument);
}

TEST(Resize, IdentityConstantAndAntialiasing) {
  const Image im = coded(9, 7, 3);
  EXPECT_EQ(resize_bilinear(im, 9, 7).pixels, im.pixels);
  const Image flat{13, 11, 3, std::vector<uint8_t>(13 * 11 * 3, 201)};
  for (auto [w, h] : {std::pair{5, 4}, std::pair{30, 17}, std::pair{1, 1}})
    for (uint8_t p : resize_bilinear(flat, w, h).pixels) ASSERT_EQ(p, 201);
  // A one-pixel checkerboard shrunk 4x must come out flat grey, not aliased stripes.
  Image board{64, 64, 1, std::vector<uint8_t>(64 * 64)};
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) board.pixels[y * 64 + x] = ((x + y) % 2) ? 255 : 0;
  for (uint8_t p : resize_bilinear(board, 16, 16).pixels) ASSERT_NEAR(p, 127.5, 12);
  // Upscaling a ramp stays monotone and within range.
  Image ramp{4, 1, 1, {0, 80, 160, 240}};
  const Image big = resize_bilinear(ramp, 16, 1);
  for (int x = 1; x < 16; ++x) EXPECT_GE(big.pixels[x], big.pixels[x - 1]);
  EXPECT_EQ(big.pixels[0], 0);
  EXPECT_EQ(big.pixels[15], 240);
}

TEST(Eigen, JacobiRecoversAKnownDecomposition) {
  // A = Q diag(5, 2, 0.5) Q^T with Q the orthonormal basis used above.
  const double s = 1 / std::sqrt(3.0), t = 1 / std::sqrt(2.0), u = 1 / std::sqrt(6.0);
  const double q[3][3] = {{s, s, s}, {t, 0, -t}, {u, -2 * u, u}};  // rows = eigenvectors
  const double l[3] = {5, 2, 0.5};
  std::array<std::array<double, 3>, 3> a{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) a[i][j] += q[k][i] * l[k] * q[k][j];
  std::array<double, 3> val;
  std::array<std::array<double, 3>, 3> vec;
  symmetric_eigen3(a, val, vec);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(val[k], l[k], 1e-12);
    double dot = 0;
    for (int c = 0; c < 3; ++c) dot += vec[k][c] * q[k][c];
    EXPECT_NEAR(std::abs(dot), 1.0, 1e-12) << k;
  }
  // Sign convention: the largest component is positive, so (u, -2u, u) comes out flipped.
  EXPECT_NEAR(vec[2][1], 2 * u, 1e-12);
}

// A small in-memory data set for the statistics tests.
class VectorDataset final : public Dataset {
 public:
  explicit VectorDataset(std::vector<Image> images) : images_(std::move(images)) {}
  std::size_t size() const override { return images_.size(); }
  int num_classes() const override { return 1; }
  const std::vector<std::string>& class_names() const override { return names_; }
  int label(std::size_t) const override { return 0; }
  int channels() const override { return images_[0].channels; }
  Image image(std::size_t i) const override { return images_.at(i); }
  std::string item_name(std::size_t i) const override { return "mem[" + std::to_string(i) + "]"; }

 private:
  std::vector<Image> images_;
  std::vector<std::string> names_{"only"};
};

TEST(Normalization, MeanOfConstantImagesAndCovarianceAlongALine) {
  std::vector<Image> flat;
  for (int i = 0; i < 6; ++i) {
    Image im{3 + i, 2, 3, {}};
    for (int p = 0; p < im.width * im.height; ++p) im.pixels.insert(im.pixels.end(), {10, 20, 30});
    flat.push_back(im);
  }
  const Normalization n = compute_normalization(VectorDataset(flat), 100, 1, 3);
  EXPECT_EQ(n.mean, (std::vector<float>{10, 20, 30}));
  for (float v : n.eigval) EXPECT_EQ(v, 0.0f);

  // Pixels 100 + t * (2, 1, -2) for t in -30..30: all variance along (2, 1, -2) / 3.
  std::vector<Image> line;
  for (int i = 0; i < 4; ++i) {
    Image im{61, 1, 3, {}};
    for (int tt = -30; tt <= 30; ++tt)
      im.pixels.insert(im.pixels.end(), {static_cast<uint8_t>(100 + 2 * tt),
                                         static_cast<uint8_t>(100 + tt),
                                         static_cast<uint8_t>(100 - 2 * tt)});
    line.push_back(im);
  }
  const Normalization m = compute_normalization(VectorDataset(line), 4, 9, 2);
  for (float v : m.mean) EXPECT_FLOAT_EQ(v, 100);
  // var(t) = (30 * 31 * 61 / 3) / 61 = 310; along the unit vector the variance is 9 * 310.
  EXPECT_NEAR(m.eigval[0], 9 * 310 / (255.0 * 255.0), 1e-6);
  EXPECT_NEAR(m.eigval[1], 0, 1e-6);
  EXPECT_NEAR(m.eigvec[0][0], 2 / 3.0, 1e-5);
  EXPECT_NEAR(m.eigvec[0][1], 1 / 3.0, 1e-5);
  EXPECT_NEAR(m.eigvec[0][2], -2 / 3.0, 1e-5);
  // The same result for any thread count and the same seed.
  const Normalization m1 = compute_normalization(VectorDataset(line), 3, 9, 1);
  const Normalization m4 = compute_normalization(VectorDataset(line), 3, 9, 4);
  EXPECT_EQ(m1.mean, m4.mean);
  EXPECT_EQ(m1.eigval, m4.eigval);
}

}  // namespace
}  // namespace alexnet::data
