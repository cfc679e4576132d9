// The max-pool oracle: output sizes, the tie rule, overlapping windows, gradients against central
// differences on tie-free inputs, size validation.
#include "model/reference/maxpool.h"

#include <gtest/gtest.h>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

TEST(MaxpoolReference, OutputSizeIsFloor) {
  EXPECT_EQ((PoolShape{1, 96, 55, 55, 3, 2}.out_h()), 27);
  EXPECT_EQ((PoolShape{1, 256, 27, 27, 3, 2}.out_h()), 13);
  EXPECT_EQ((PoolShape{1, 256, 13, 13, 3, 2}.out_w()), 6);
  EXPECT_EQ((PoolShape{1, 1, 5, 4, 2, 2}.out_h()), 2);  // the last row is never read
  EXPECT_EQ((PoolShape{1, 1, 5, 4, 2, 2}.out_w()), 2);
}

TEST(MaxpoolReference, HandComputedForward) {
  const PoolShape s{1, 1, 4, 5, 2, 2};
  const std::vector<float> x{1, 5, 2, 0, 9,
                             3, 4, 8, 1, 9,
                             -1, -2, 0, 7, 9,
                             -3, -4, 6, 6, 9};
  // The fifth column is never read (floor rule), so its 9s do not appear.
  EXPECT_EQ(maxpool_forward<float>(s, x), (std::vector<float>{5, 8, -1, 7}));
}

// Two (or four) equal maxima: the whole gradient goes to the first in row-major order.
TEST(MaxpoolReference, TiesSendGradientToTheFirstMaximum) {
  const PoolShape all_equal{1, 1, 2, 2, 2, 2};
  EXPECT_EQ(maxpool_backward<float>(all_equal, std::vector<float>{5, 5, 5, 5},
                                    std::vector<float>{3}),
            (std::vector<float>{3, 0, 0, 0}));
  // Maxima at window positions 1 and 2 (top-right, bottom-left): top-right wins.
  EXPECT_EQ(maxpool_backward<float>(all_equal, std::vector<float>{1, 7, 7, 2},
                                    std::vector<float>{3}),
            (std::vector<float>{0, 3, 0, 0}));
  // ReLU output is mostly zeros: an all-zero window still sends its gradient somewhere, once.
  const PoolShape overlapping{1, 1, 3, 3, 3, 1};
  EXPECT_EQ(maxpool_backward<float>(overlapping, std::vector<float>(9, 0.0f),
                                    std::vector<float>{2}),
            (std::vector<float>{2, 0, 0, 0, 0, 0, 0, 0, 0}));
}

// 3x3 stride 2 on 5x5: the centre element (2, 2) is in all four windows; as the global maximum
// it collects all four gradients.
TEST(MaxpoolReference, OverlappingWindowsSumTheirGradients) {
  const PoolShape s{1, 1, 5, 5, 3, 2};
  std::vector<double> x(25);
  for (int i = 0; i < 25; ++i) x[i] = 0.01 * i;
  x[12] = 100.0;
  EXPECT_EQ(maxpool_forward<double>(s, x), (std::vector<double>{100, 100, 100, 100}));
  const auto dx = maxpool_backward<double>(s, x, std::vector<double>{1, 2, 4, 8});
  for (int i = 0; i < 25; ++i) EXPECT_EQ(dx[i], i == 12 ? 15.0 : 0.0) << "element " << i;
}

struct PoolCase {
  const char* name;
  PoolShape shape;
};
void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

class MaxpoolGradient : public ::testing::TestWithParam<PoolCase> {};

TEST_P(MaxpoolGradient, MatchesCentralDifferences) {
  const PoolShape s = GetParam().shape;
  // Distinct values 0.01 apart: no ties, and a 1e-6 step can never change an argmax.
  const auto x = random_distinct(std::size_t(s.n) * s.c * s.h * s.w, 51);
  const auto r = random_uniform(std::size_t(s.n) * s.c * s.out_h() * s.out_w(), 52);
  const auto dx = maxpool_backward<double>(s, x, r);
  const auto f = [&](std::span<const double> v) { return maxpool_forward<double>(s, v); };
  const auto result = compare_gradient(f, x, r, dx, sample_indices(x.size(), 300, 53));
  EXPECT_TRUE(result.ok()) << result.describe();
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MaxpoolGradient,
    ::testing::Values(PoolCase{"overlapping_3x3s2", {1, 2, 7, 7, 3, 2}},
                      PoolCase{"overlapping_3x3s2_batch3_even", {3, 3, 8, 6, 3, 2}},
                      PoolCase{"disjoint_2x2s2", {3, 2, 6, 6, 2, 2}},
                      PoolCase{"disjoint_2x2s2_odd_tail", {1, 3, 7, 5, 2, 2}},
                      PoolCase{"stride1_3x3", {1, 1, 5, 6, 3, 1}},
                      PoolCase{"window_is_whole_input", {3, 2, 4, 4, 4, 3}}),
    [](const ::testing::TestParamInfo<PoolCase>& info) { return std::string(info.param.name); });

TEST(MaxpoolReference, RejectsBadShapesAndSizes) {
  const PoolShape s{2, 3, 7, 7, 3, 2};
  const std::vector<float> x(2 * 3 * 7 * 7), dy(2 * 3 * 3 * 3);
  EXPECT_NO_THROW(maxpool_backward<float>(s, x, dy));
  EXPECT_THROW(maxpool_forward<float>(s, {x.data(), x.size() - 1}), std::invalid_argument);
  EXPECT_THROW(maxpool_backward<float>(s, {x.data(), x.size() - 1}, dy), std::invalid_argument);
  EXPECT_THROW(maxpool_backward<float>(s, x, {dy.data(), dy.size() - 1}), std::invalid_argument);
  EXPECT_THROW((PoolShape{1, 1, 2, 5, 3, 1}.validate()), std::invalid_argument);  // k > h
  EXPECT_THROW((PoolShape{1, 1, 5, 5, 3, 0}.validate()), std::invalid_argument);
  EXPECT_THROW((PoolShape{1, 1, 5, 5, 0, 1}.validate()), std::invalid_argument);
  EXPECT_THROW((PoolShape{1, 0, 5, 5, 3, 2}.validate()), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
