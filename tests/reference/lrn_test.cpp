// The LRN oracle: hand-computed values (which pin the window edges and that alpha is not divided
// by size), gradients against central differences with the normalisation term large enough to
// matter, size validation.
#include "model/reference/lrn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

// One pixel, three channels a = (1, 2, 3), size 3, k 2, alpha 0.1, beta 0.75:
//   s0 = 2 + 0.1 * (1 + 4)     = 2.5    (window clipped at the first channel)
//   s1 = 2 + 0.1 * (1 + 4 + 9) = 3.4
//   s2 = 2 + 0.1 * (4 + 9)     = 3.3    (clipped at the last)
TEST(LrnReference, HandComputedSmallVector) {
  const Nchw s{1, 3, 1, 1};
  const LrnParams p{3, 2.0, 0.1, 0.75};
  const auto y = lrn_forward<double>(s, p, std::vector<double>{1, 2, 3});
  EXPECT_NEAR(y[0], 1.0 / std::pow(2.5, 0.75), 1e-15);
  EXPECT_NEAR(y[1], 2.0 / std::pow(3.4, 0.75), 1e-15);
  EXPECT_NEAR(y[2], 3.0 / std::pow(3.3, 0.75), 1e-15);
  EXPECT_NEAR(y[0], 0.5029733718731741, 1e-15);
  EXPECT_NEAR(y[1], 0.7987682757159081, 1e-15);
  EXPECT_NEAR(y[2], 1.225281284102679, 1e-15);
}

// The paper's constants (size 5, k 2, alpha 1e-4, beta 0.75) on a = (10, 20, 30, 40, 50), spread
// over the channel axis of a 2x1 image so that the channel stride is not 1. The second pixel is
// zero: s = k there, so y = 0.
TEST(LrnReference, HandComputedPaperConstants) {
  const Nchw s{1, 5, 2, 1};
  const LrnParams paper;
  std::vector<double> x(10, 0.0);
  for (int c = 0; c < 5; ++c) x[c * 2] = 10.0 * (c + 1);
  const auto y = lrn_forward<double>(s, paper, x);
  // s_i = 2 + 1e-4 * (sum of a_j^2 over j in [i-2, i+2] within [0, 4])
  const double scale[5] = {2.14, 2.30, 2.55, 2.54, 2.50};
  const double want[5] = {5.651837543487509, 10.708635064208591, 14.866752773556597,
                          19.880838796895148, 25.14866859365871};
  for (int c = 0; c < 5; ++c) {
    EXPECT_NEAR(y[c * 2], 10.0 * (c + 1) / std::pow(scale[c], 0.75), 1e-12) << "channel " << c;
    EXPECT_NEAR(y[c * 2], want[c], 1e-12) << "channel " << c;
    EXPECT_EQ(y[c * 2 + 1], 0.0);
  }
}

struct LrnCase {
  const char* name;
  Nchw shape;
  LrnParams params;
  double input_scale;  // inputs uniform in [-scale, scale)
};
void PrintTo(const LrnCase& c, std::ostream* os) { *os << c.name; }

class LrnGradient : public ::testing::TestWithParam<LrnCase> {};

TEST_P(LrnGradient, MatchesCentralDifferences) {
  const LrnCase& c = GetParam();
  auto x = random_uniform(c.shape.count(), 41, -c.input_scale, c.input_scale);
  const auto r = random_uniform(c.shape.count(), 42);
  const auto dx = lrn_backward<double>(c.shape, c.params, x, r);
  const auto f = [&](std::span<const double> v) {
    return lrn_forward<double>(c.shape, c.params, v);
  };
  const auto result = compare_gradient(f, x, r, dx, sample_indices(x.size(), 200, 43));
  EXPECT_TRUE(result.ok()) << result.describe();
}

//                             n  c  h  w     size k    alpha  beta   input scale
INSTANTIATE_TEST_SUITE_P(
    Params, LrnGradient,
    ::testing::Values(
        LrnCase{"size5_alpha0p1", {1, 7, 3, 2}, {5, 2.0, 0.1, 0.75}, 2.0},
        LrnCase{"size3_alpha0p1_batch3", {3, 6, 2, 3}, {3, 2.0, 0.1, 0.75}, 2.0},
        // The paper's constants; inputs of a few tens make alpha * sum(a^2) comparable to k.
        LrnCase{"paper_constants", {3, 9, 2, 2}, {5, 2.0, 1e-4, 0.75}, 60.0},
        LrnCase{"fewer_channels_than_window", {1, 2, 3, 3}, {5, 1.0, 0.5, 0.75}, 1.5},
        LrnCase{"size1_beta0p5", {1, 4, 2, 2}, {1, 1.0, 0.3, 0.5}, 2.0},
        LrnCase{"size7_k1", {3, 11, 1, 1}, {7, 1.0, 0.2, 0.9}, 1.0}),
    [](const ::testing::TestParamInfo<LrnCase>& info) { return std::string(info.param.name); });

TEST(LrnReference, RejectsBadParamsAndSizes) {
  const Nchw s{2, 5, 3, 3};
  const LrnParams p;
  const std::vector<float> x(s.count()), dy(s.count());
  EXPECT_EQ(s.count(), 90u);
  EXPECT_NO_THROW(lrn_forward<float>(s, p, x));
  EXPECT_THROW(lrn_forward<float>(s, p, {x.data(), 89}), std::invalid_argument);
  EXPECT_THROW(lrn_backward<float>(s, p, {x.data(), 89}, dy), std::invalid_argument);
  EXPECT_THROW(lrn_backward<float>(s, p, x, {dy.data(), 89}), std::invalid_argument);
  EXPECT_THROW(lrn_forward<float>(s, LrnParams{4, 2.0, 1e-4, 0.75}, x), std::invalid_argument);
  EXPECT_THROW(lrn_forward<float>(s, LrnParams{0, 2.0, 1e-4, 0.75}, x), std::invalid_argument);
  EXPECT_THROW(lrn_forward<float>(s, LrnParams{5, 0.0, 1e-4, 0.75}, x), std::invalid_argument);
  EXPECT_THROW(lrn_forward<float>(s, LrnParams{5, 2.0, -1.0, 0.75}, x), std::invalid_argument);
  EXPECT_THROW(lrn_forward<float>(Nchw{0, 5, 3, 3}, p, {}), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
