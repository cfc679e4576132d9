// The adaptive average pool oracle: PyTorch's window formula (start floor(i*in/out), end
// ceil((i+1)*in/out)), the identity at equal sizes, hand-computed overlapping and repeating windows,
// gradients against central differences.
#include "model/reference/adaptive_avgpool.h"

#include <gtest/gtest.h>

#include <ostream>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

TEST(AdaptiveAvgpoolReference, WindowsFollowPyTorchsFormula) {
  // 13 -> 6 (conv5 of a 227 input): windows [0,3) [2,5) [4,7) [6,9) [8,11) [10,13), overlapping by one.
  const int begins[] = {0, 2, 4, 6, 8, 10}, ends[] = {3, 5, 7, 9, 11, 13};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(adaptive_begin(i, 13, 6), begins[i]) << i;
    EXPECT_EQ(adaptive_end(i, 13, 6), ends[i]) << i;
  }
  // 6 -> 6: one element each; 2 -> 3: windows [0,1) [0,2) [1,2), the middle one spanning both.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(adaptive_end(i, 6, 6) - adaptive_begin(i, 6, 6), 1);
  EXPECT_EQ(adaptive_begin(1, 2, 3), 0);
  EXPECT_EQ(adaptive_end(1, 2, 3), 2);
}

TEST(AdaptiveAvgpoolReference, EqualSizesAreTheIdentity) {
  const AdaptivePoolShape s{2, 3, 6, 6, 6, 6};
  const auto x = random_uniform(2 * 3 * 36, 7);
  EXPECT_EQ(adaptive_avgpool_forward<double>(s, x), x);
  EXPECT_EQ(adaptive_avgpool_backward<double>(s, x), x);
}

TEST(AdaptiveAvgpoolReference, HandComputedForwardAndBackward) {
  // 3x2 -> 2x2: rows [0,2) and [1,3) overlap at row 1; columns one each.
  const AdaptivePoolShape s{1, 1, 3, 2, 2, 2};
  const std::vector<double> x{1, 2,
                              3, 4,
                              5, 6};
  EXPECT_EQ(adaptive_avgpool_forward<double>(s, x), (std::vector<double>{2, 3, 4, 5}));
  // Row 1 is in both windows of its column: half of each.
  EXPECT_EQ(adaptive_avgpool_backward<double>(s, std::vector<double>{2, 4, 6, 8}),
            (std::vector<double>{1, 2, 4, 6, 3, 4}));
  // 1x1 -> 2x3: every output repeats the one element; its gradient is the sum.
  const AdaptivePoolShape up{1, 1, 1, 1, 2, 3};
  EXPECT_EQ(adaptive_avgpool_forward<double>(up, std::vector<double>{7}), std::vector<double>(6, 7.0));
  EXPECT_EQ(adaptive_avgpool_backward<double>(up, std::vector<double>{1, 2, 3, 4, 5, 6}), std::vector<double>{21});
}

TEST(AdaptiveAvgpoolReference, RejectsBadShapesAndSizes) {
  EXPECT_THROW((AdaptivePoolShape{1, 1, 0, 4, 2, 2}.validate()), std::invalid_argument);
  EXPECT_THROW((AdaptivePoolShape{1, 1, 4, 4, 2, 0}.validate()), std::invalid_argument);
  EXPECT_THROW(adaptive_avgpool_forward<float>({1, 1, 4, 4, 2, 2}, std::vector<float>(15)), std::invalid_argument);
  EXPECT_THROW(adaptive_avgpool_backward<float>({1, 1, 4, 4, 2, 2}, std::vector<float>(5)), std::invalid_argument);
}

struct Case {
  const char* name;
  AdaptivePoolShape shape;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class AdaptiveAvgpoolGradient : public ::testing::TestWithParam<Case> {};

TEST_P(AdaptiveAvgpoolGradient, MatchesCentralDifferences) {
  const AdaptivePoolShape s = GetParam().shape;
  const auto x = random_uniform(std::size_t(s.n) * s.c * s.h * s.w, 61);
  const auto r = random_uniform(std::size_t(s.n) * s.c * s.out_h * s.out_w, 62);
  const auto dx = adaptive_avgpool_backward<double>(s, r);
  const auto f = [&](std::span<const double> v) { return adaptive_avgpool_forward<double>(s, v); };
  const auto result = compare_gradient(f, x, r, dx, sample_indices(x.size(), 300, 63));
  EXPECT_TRUE(result.ok()) << result.describe();
}

INSTANTIATE_TEST_SUITE_P(Shapes, AdaptiveAvgpoolGradient,
                         ::testing::Values(Case{"identity 6x6", {2, 3, 6, 6, 6, 6}},
                                           Case{"13x13 to 6x6", {2, 2, 13, 13, 6, 6}},
                                           Case{"7x5 to 3x2", {3, 1, 7, 5, 3, 2}},
                                           Case{"2x3 to 6x6 (repeats)", {1, 2, 2, 3, 6, 6}}),
                         [](const auto& info) { return "case" + std::to_string(info.index); });

}  // namespace
}  // namespace alexnet::ref
