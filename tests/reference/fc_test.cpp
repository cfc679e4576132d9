// The fully connected oracle: a hand-computed case, gradients against central differences, size
// validation.
#include "model/reference/fc.h"

#include <gtest/gtest.h>

#include <ostream>
#include <stdexcept>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

TEST(FcReference, HandComputed) {
  const FcShape s{2, 2, 3};
  const std::vector<double> x{1, 2,  -1, 0.5};
  const std::vector<double> w{1, 0,  0.5, -1,  2, 3};  // (Out=3, In=2)
  const std::vector<double> b{0, 1, -1};
  // y[n][o] = sum_i x[n][i] w[o][i] + b[o]
  EXPECT_EQ(fc_forward<double>(s, x, w, b), (std::vector<double>{1, -0.5, 7,  -1, 0, -1.5}));
  EXPECT_EQ(fc_forward<double>(s, x, w, {}), (std::vector<double>{1, -1.5, 8,  -1, -1, -0.5}));

  const std::vector<double> dy{1, 0, 2,  0, 1, -1};
  EXPECT_EQ(fc_backward_data<double>(s, dy, w), (std::vector<double>{5, 6,  -1.5, -4}));
  EXPECT_EQ(fc_backward_weight<double>(s, dy, x),
            (std::vector<double>{1, 2,  -1, 0.5,  3, 3.5}));
  EXPECT_EQ(fc_backward_bias<double>(s, dy), (std::vector<double>{1, 1, 1}));
}

struct FcCase {
  FcShape shape;
};
void PrintTo(const FcCase& c, std::ostream* os) {
  *os << "n" << c.shape.n << "_in" << c.shape.in << "_out" << c.shape.out;
}

class FcGradient : public ::testing::TestWithParam<FcCase> {};

TEST_P(FcGradient, MatchesCentralDifferences) {
  const FcShape s = GetParam().shape;
  const auto x = random_uniform(std::size_t(s.n) * s.in, 21);
  const auto w = random_uniform(std::size_t(s.out) * s.in, 22);
  const auto b = random_uniform(std::size_t(s.out), 23);
  const auto r = random_uniform(std::size_t(s.n) * s.out, 24);

  const auto of_x = [&](std::span<const double> v) { return fc_forward<double>(s, v, w, b); };
  const auto rx = compare_gradient(of_x, x, r, fc_backward_data<double>(s, r, w),
                                   sample_indices(x.size(), 200, 25));
  EXPECT_TRUE(rx.ok()) << "dx: " << rx.describe();

  const auto of_w = [&](std::span<const double> v) { return fc_forward<double>(s, x, v, b); };
  const auto rw = compare_gradient(of_w, w, r, fc_backward_weight<double>(s, r, x),
                                   sample_indices(w.size(), 200, 26));
  EXPECT_TRUE(rw.ok()) << "dw: " << rw.describe();

  const auto of_b = [&](std::span<const double> v) { return fc_forward<double>(s, x, w, v); };
  const auto rb = compare_gradient(of_b, b, r, fc_backward_bias<double>(s, r),
                                   sample_indices(b.size(), 200, 27));
  EXPECT_TRUE(rb.ok()) << "db: " << rb.describe();
}

INSTANTIATE_TEST_SUITE_P(Shapes, FcGradient,
                         ::testing::Values(FcCase{{1, 1, 1}}, FcCase{{1, 7, 5}},
                                           FcCase{{3, 13, 11}}, FcCase{{3, 64, 9}}),
                         [](const ::testing::TestParamInfo<FcCase>& info) {
                           return ::testing::PrintToString(info.param);
                         });

TEST(FcReference, RejectsBadSizes) {
  const FcShape s{3, 4, 5};
  const std::vector<float> x(12), w(20), b(5), dy(15);
  EXPECT_NO_THROW(fc_forward<float>(s, x, w, b));
  EXPECT_THROW(fc_forward<float>(s, {x.data(), 11}, w, b), std::invalid_argument);
  EXPECT_THROW(fc_forward<float>(s, x, {w.data(), 19}, b), std::invalid_argument);
  EXPECT_THROW(fc_forward<float>(s, x, w, {b.data(), 4}), std::invalid_argument);
  EXPECT_THROW(fc_backward_data<float>(s, {dy.data(), 14}, w), std::invalid_argument);
  EXPECT_THROW(fc_backward_weight<float>(s, dy, {x.data(), 11}), std::invalid_argument);
  EXPECT_THROW(fc_backward_bias<float>(s, {dy.data(), 14}), std::invalid_argument);
  EXPECT_THROW(fc_forward<float>(FcShape{0, 4, 5}, {}, w, b), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
