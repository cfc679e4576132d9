// ReLU and tanh oracles: known values, gradients against central differences, size validation.
#include "model/reference/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

TEST(ActivationReference, ReluKnownValues) {
  const std::vector<float> x{-2.0f, -0.0f, 0.0f, 0.5f, 3.0f};
  EXPECT_EQ(relu_forward<float>(x), (std::vector<float>{0, 0, 0, 0.5f, 3}));
  // The backward reads the output: zero output (including the kink) passes no gradient.
  const std::vector<float> y = relu_forward<float>(x);
  const std::vector<float> dy{1, 2, 3, 4, 5};
  EXPECT_EQ(relu_backward<float>(y, dy), (std::vector<float>{0, 0, 0, 4, 5}));
}

TEST(ActivationReference, TanhKnownValues) {
  const std::vector<double> x{-1.0, 0.0, 0.5};
  const auto y = tanh_forward<double>(x);
  EXPECT_DOUBLE_EQ(y[0], -0.76159415595576489);
  EXPECT_EQ(y[1], 0.0);
  EXPECT_DOUBLE_EQ(y[2], 0.46211715726000974);
  const auto dx = tanh_backward<double>(y, std::vector<double>{2, 2, 2});
  EXPECT_DOUBLE_EQ(dx[1], 2.0);
  EXPECT_DOUBLE_EQ(dx[0], 2.0 * (1.0 - y[0] * y[0]));
}

TEST(ActivationReference, ReluGradient) {
  // Magnitudes >= 0.05 keep every input far from the kink compared with h = 1e-6.
  const auto x = random_away_from_zero(301, 31);
  const auto r = random_uniform(x.size(), 32);
  const auto dx = relu_backward<double>(relu_forward<double>(x), r);
  const auto f = [](std::span<const double> v) { return relu_forward<double>(v); };
  const auto result = compare_gradient(f, x, r, dx, sample_indices(x.size(), 400, 33));
  EXPECT_TRUE(result.ok()) << result.describe();
}

TEST(ActivationReference, TanhGradient) {
  const auto x = random_uniform(257, 34, -3.0, 3.0);
  const auto r = random_uniform(x.size(), 35);
  const auto dx = tanh_backward<double>(tanh_forward<double>(x), r);
  const auto f = [](std::span<const double> v) { return tanh_forward<double>(v); };
  const auto result = compare_gradient(f, x, r, dx, sample_indices(x.size(), 400, 36));
  EXPECT_TRUE(result.ok()) << result.describe();
}

TEST(ActivationReference, RejectsMismatchedSizes) {
  const std::vector<float> y(4), dy(3);
  EXPECT_THROW(relu_backward<float>(y, dy), std::invalid_argument);
  EXPECT_THROW(tanh_backward<float>(y, dy), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
