// The conv2d oracle: hand-computed cases, gradients against central differences over padding,
// stride and group variants, the groups=2 split identity, and the adjoint identity at AlexNet's
// real layer shapes.
#include "model/reference/conv2d.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

std::size_t input_count(const Conv2dShape& s) { return std::size_t(s.n) * s.c_in * s.h * s.w; }
std::size_t weight_count(const Conv2dShape& s) {
  return std::size_t(s.c_out) * (s.c_in / s.groups) * s.kh * s.kw;
}
std::size_t output_count(const Conv2dShape& s) {
  return std::size_t(s.n) * s.c_out * s.out_h() * s.out_w();
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

TEST(Conv2dReference, OutputSizeFollowsPaddedFloorRule) {
  // The paper's conv1: 224 input needs 3 trailing zero rows/columns to give 55 (227 gives 55 too).
  EXPECT_EQ((Conv2dShape{1, 3, 224, 224, 96, 11, 11, 4, 0, 3, 1}.out_h()), 55);
  EXPECT_EQ((Conv2dShape{1, 3, 227, 227, 96, 11, 11, 4, 0, 0, 1}.out_w()), 55);
  EXPECT_EQ((Conv2dShape{1, 3, 224, 224, 96, 11, 11, 4, 0, 0, 1}.out_h()), 54);
  EXPECT_EQ((Conv2dShape{1, 96, 27, 27, 256, 5, 5, 1, 2, 2, 2}.out_h()), 27);
  EXPECT_EQ((Conv2dShape{1, 1, 7, 9, 1, 3, 2, 2, 1, 0, 1}.out_h()), 3);  // (7+1-3)/2+1
  EXPECT_EQ((Conv2dShape{1, 1, 7, 9, 1, 3, 2, 2, 1, 0, 1}.out_w()), 5);  // (9+1-2)/2+1
}

// x(r, c) = 4r + c + 1 on a 4x4 input. The kernel has a 1 at (0,1) and a 2 at (2,2), so
// y(oy, ox) = x(oy, ox+1) + 2 x(oy+2, ox+2) + b: a flipped kernel (true convolution) or swapped
// axes would give different numbers.
TEST(Conv2dReference, HandComputed3x3On4x4) {
  const Conv2dShape s{1, 1, 4, 4, 1, 3, 3};
  std::vector<double> x(16);
  for (int i = 0; i < 16; ++i) x[i] = i + 1;
  const std::vector<double> w{0, 1, 0, 0, 0, 0, 0, 0, 2};
  const std::vector<double> b{0.5};
  EXPECT_EQ(conv2d_forward<double>(s, x, w, b), (std::vector<double>{24.5, 27.5, 36.5, 39.5}));
  EXPECT_EQ(conv2d_forward<double>(s, x, w, {}), (std::vector<double>{24, 27, 36, 39}));

  // dy = 1 everywhere: dx counts how often each input meets each kernel tap, weighted.
  const std::vector<double> ones(4, 1.0);
  EXPECT_EQ(conv2d_backward_data<double>(s, ones, w),
            (std::vector<double>{0, 1, 1, 0,  0, 1, 1, 0,  0, 0, 2, 2,  0, 0, 2, 2}));
  // dw(ky, kx) = sum of the 2x2 block of x starting at (ky, kx).
  EXPECT_EQ(conv2d_backward_weight<double>(s, ones, x),
            (std::vector<double>{14, 18, 22, 30, 34, 38, 46, 50, 54}));
  EXPECT_EQ(conv2d_backward_bias<double>(s, ones), (std::vector<double>{4}));
}

// pad 1 before, none after, stride 2, all-ones 3x3 kernel: each output is the sum of the part
// of its window inside the 4x4 input.
TEST(Conv2dReference, HandComputedAsymmetricPaddingStride2) {
  const Conv2dShape s{1, 1, 4, 4, 1, 3, 3, 2, 1, 0, 1};
  ASSERT_EQ(s.out_h(), 2);
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = float(i + 1);
  const std::vector<float> w(9, 1.0f);
  // (0,0): x[0..1][0..1]; (0,1): x[0..1][1..3]; (1,0): x[1..3][0..1]; (1,1): x[1..3][1..3]
  EXPECT_EQ(conv2d_forward<float>(s, x, w, {}), (std::vector<float>{14, 30, 57, 99}));
}

struct ConvCase {
  const char* name;
  Conv2dShape shape;
};
void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

class Conv2dGradient : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dGradient, MatchesCentralDifferences) {
  const Conv2dShape s = GetParam().shape;
  s.validate();
  const std::vector<double> x = random_uniform(input_count(s), 1);
  const std::vector<double> w = random_uniform(weight_count(s), 2);
  const std::vector<double> b = random_uniform(std::size_t(s.c_out), 3);
  const std::vector<double> r = random_uniform(output_count(s), 4);

  const auto dx = conv2d_backward_data<double>(s, r, w);
  const auto of_x = [&](std::span<const double> v) { return conv2d_forward<double>(s, v, w, b); };
  const auto rx = compare_gradient(of_x, x, r, dx, sample_indices(x.size(), 200, 5));
  EXPECT_TRUE(rx.ok()) << "dx: " << rx.describe();

  const auto dw = conv2d_backward_weight<double>(s, r, x);
  const auto of_w = [&](std::span<const double> v) { return conv2d_forward<double>(s, x, v, b); };
  const auto rw = compare_gradient(of_w, w, r, dw, sample_indices(w.size(), 200, 6));
  EXPECT_TRUE(rw.ok()) << "dw: " << rw.describe();

  const auto db = conv2d_backward_bias<double>(s, r);
  const auto of_b = [&](std::span<const double> v) { return conv2d_forward<double>(s, x, w, v); };
  const auto rb = compare_gradient(of_b, b, r, db, sample_indices(b.size(), 200, 7));
  EXPECT_TRUE(rb.ok()) << "db: " << rb.describe();
}

//                     n cin  h   w cout kh kw stride pad pad_end groups
INSTANTIATE_TEST_SUITE_P(
    Shapes, Conv2dGradient,
    ::testing::Values(
        ConvCase{"single_channel_3x3", {1, 1, 5, 5, 1, 3, 3, 1, 0, 0, 1}},
        ConvCase{"batch3_pad1", {3, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1}},
        ConvCase{"groups2_stride2_pad2", {1, 4, 9, 8, 6, 3, 3, 2, 2, 2, 2}},
        ConvCase{"conv1_like_stride4_pad_end3", {3, 2, 19, 17, 4, 7, 7, 4, 0, 3, 2}},
        ConvCase{"conv2_like_5x5_pad2_groups2", {1, 4, 7, 7, 4, 5, 5, 1, 2, 2, 2}},
        ConvCase{"rect_kernel_pad_before_only", {3, 6, 8, 7, 4, 3, 1, 2, 1, 0, 2}},
        ConvCase{"stride2_unread_tail", {1, 2, 6, 6, 2, 3, 3, 2, 0, 0, 1}},
        ConvCase{"kernel_covers_padded_input", {3, 2, 3, 3, 3, 5, 5, 1, 1, 1, 1}},
        ConvCase{"stride_larger_than_kernel", {1, 2, 9, 9, 2, 2, 2, 3, 1, 1, 1}}),
    [](const ::testing::TestParamInfo<ConvCase>& info) { return std::string(info.param.name); });

// Splits the channel axis of an (N, C, plane) tensor into its two halves.
std::vector<float> channel_half(const std::vector<float>& v, int n, int c, std::size_t plane,
                                int half) {
  std::vector<float> out;
  const std::size_t per_half = std::size_t(c / 2) * plane;
  for (int i = 0; i < n; ++i) {
    const auto first = v.begin() + std::ptrdiff_t(std::size_t(i) * c * plane + half * per_half);
    out.insert(out.end(), first, first + std::ptrdiff_t(per_half));
  }
  return out;
}

// Inverse of channel_half.
std::vector<float> join_channels(const std::vector<float>& a, const std::vector<float>& b, int n) {
  std::vector<float> out;
  const std::ptrdiff_t per = std::ptrdiff_t(a.size()) / n;
  for (int i = 0; i < n; ++i) {
    out.insert(out.end(), a.begin() + i * per, a.begin() + (i + 1) * per);
    out.insert(out.end(), b.begin() + i * per, b.begin() + (i + 1) * per);
  }
  return out;
}

// The paper's two-GPU split: a groups=2 conv is two independent convs, each on its half of the
// input channels with its half of the kernels. Forward and all three backward passes must agree
// bit for bit (same sums in the same order), here in float.
TEST(Conv2dReference, GroupsTwoEqualsTwoIndependentHalves) {
  const Conv2dShape s{3, 6, 9, 8, 4, 3, 3, 2, 1, 2, 2};
  Conv2dShape half = s;
  half.c_in = s.c_in / 2;
  half.c_out = s.c_out / 2;
  half.groups = 1;
  const auto to_float = [](const std::vector<double>& v) {
    return std::vector<float>(v.begin(), v.end());
  };
  const auto x = to_float(random_uniform(input_count(s), 11));
  const auto w = to_float(random_uniform(weight_count(s), 12));
  const auto b = to_float(random_uniform(std::size_t(s.c_out), 13));
  const auto dy = to_float(random_uniform(output_count(s), 14));
  const std::size_t in_plane = std::size_t(s.h) * s.w;
  const std::size_t out_plane = std::size_t(s.out_h()) * s.out_w();

  std::vector<float> x_h[2], w_h[2], b_h[2], dy_h[2];
  for (int g = 0; g < 2; ++g) {
    x_h[g] = channel_half(x, s.n, s.c_in, in_plane, g);
    w_h[g] = channel_half(w, 1, s.c_out, weight_count(s) / s.c_out, g);  // Cout halves
    b_h[g] = channel_half(b, 1, s.c_out, 1, g);
    dy_h[g] = channel_half(dy, s.n, s.c_out, out_plane, g);
  }
  std::vector<float> y_h[2], dx_h[2], dw_h[2], db_h[2];
  for (int g = 0; g < 2; ++g) {
    y_h[g] = conv2d_forward<float>(half, x_h[g], w_h[g], b_h[g]);
    dx_h[g] = conv2d_backward_data<float>(half, dy_h[g], w_h[g]);
    dw_h[g] = conv2d_backward_weight<float>(half, dy_h[g], x_h[g]);
    db_h[g] = conv2d_backward_bias<float>(half, dy_h[g]);
  }
  EXPECT_EQ(conv2d_forward<float>(s, x, w, b), join_channels(y_h[0], y_h[1], s.n));
  EXPECT_EQ(conv2d_backward_data<float>(s, dy, w), join_channels(dx_h[0], dx_h[1], s.n));
  EXPECT_EQ(conv2d_backward_weight<float>(s, dy, x), join_channels(dw_h[0], dw_h[1], 1));
  EXPECT_EQ(conv2d_backward_bias<float>(s, dy), join_channels(db_h[0], db_h[1], 1));
}

// At the real layer shapes central differences would need millions of forwards, but conv
// is bilinear, so the backward passes are exactly the adjoints of the forward:
//   <conv(x, w), r> = <x, backward_data(r, w)> = <w, backward_weight(r, x)>.
// A wrong index anywhere breaks the identity far beyond rounding.
TEST(Conv2dReference, AdjointIdentityAtAlexNetLayerShapes) {
  //            n cin   h    w  cout kh  kw stride pad pad_end groups
  const Conv2dShape layers[] = {
      {1, 3, 224, 224, 96, 11, 11, 4, 0, 3, 1},  // conv1 (224 input, cuda-convnet padding)
      {1, 96, 27, 27, 256, 5, 5, 1, 2, 2, 2},    // conv2
      {1, 256, 13, 13, 384, 3, 3, 1, 1, 1, 1},   // conv3
      {1, 384, 13, 13, 384, 3, 3, 1, 1, 1, 2},   // conv4
      {1, 384, 13, 13, 256, 3, 3, 1, 1, 1, 2},   // conv5
  };
  std::uint32_t seed = 100;
  for (const Conv2dShape& s : layers) {
    SCOPED_TRACE("c_in=" + std::to_string(s.c_in) + " c_out=" + std::to_string(s.c_out));
    const auto x = random_uniform(input_count(s), seed++);
    const auto w = random_uniform(weight_count(s), seed++);
    const auto r = random_uniform(output_count(s), seed++);
    const double forward = dot(conv2d_forward<double>(s, x, w, {}), r);
    const double via_data = dot(x, conv2d_backward_data<double>(s, r, w));
    const double via_weight = dot(w, conv2d_backward_weight<double>(s, r, x));
    EXPECT_NEAR(via_data, forward, 1e-9 * std::abs(forward));
    EXPECT_NEAR(via_weight, forward, 1e-9 * std::abs(forward));
  }
}

TEST(Conv2dReference, RejectsBadShapesAndSizes) {
  const Conv2dShape s{1, 4, 5, 5, 6, 3, 3, 1, 1, 1, 2};
  const std::vector<float> x(input_count(s)), w(weight_count(s)), b(6), dy(output_count(s));
  EXPECT_NO_THROW(conv2d_forward<float>(s, x, w, b));
  EXPECT_THROW(conv2d_forward<float>(s, {x.data(), x.size() - 1}, w, b), std::invalid_argument);
  EXPECT_THROW(conv2d_forward<float>(s, x, {w.data(), w.size() - 1}, b), std::invalid_argument);
  EXPECT_THROW(conv2d_forward<float>(s, x, w, {b.data(), 5}), std::invalid_argument);
  const std::span<const float> x_short(x.data(), x.size() - 1), w_short(w.data(), w.size() - 1);
  const std::span<const float> dy_short(dy.data(), dy.size() - 1);
  EXPECT_THROW(conv2d_backward_data<float>(s, dy_short, w), std::invalid_argument);
  EXPECT_THROW(conv2d_backward_data<float>(s, dy, w_short), std::invalid_argument);
  EXPECT_THROW(conv2d_backward_weight<float>(s, dy, x_short), std::invalid_argument);
  EXPECT_THROW(conv2d_backward_weight<float>(s, dy_short, x), std::invalid_argument);
  EXPECT_THROW(conv2d_backward_bias<float>(s, dy_short), std::invalid_argument);

  const auto invalid = [](Conv2dShape bad) { EXPECT_THROW(bad.validate(), std::invalid_argument); };
  Conv2dShape bad = s;
  bad.groups = 3;  // 4 and 6 not both divisible
  invalid(bad);
  bad = s;
  bad.c_out = 5;
  invalid(bad);
  bad = s;
  bad.stride = 0;
  invalid(bad);
  bad = s;
  bad.pad = -1;
  invalid(bad);
  bad = s;
  bad.n = 0;
  invalid(bad);
  // Padded input 2 < kernel 3: truncating division would still claim one output row.
  invalid(Conv2dShape{1, 1, 2, 5, 1, 3, 3, 2, 0, 0, 1});
  EXPECT_THROW(conv2d_forward<float>(Conv2dShape{1, 1, 2, 5, 1, 3, 3, 2, 0, 0, 1},
                                     std::vector<float>(10), std::vector<float>(9), {}),
               std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
