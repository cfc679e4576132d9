// The SGD oracle: one and two steps by hand, the paper's form of weight decay, size validation.
#include "model/reference/sgd.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace alexnet::ref {
namespace {

// v = 0.9 * 0.5 - 5e-4 * 0.1 * 1 - 0.1 * 0.2 = 0.45 - 0.00005 - 0.02 = 0.42995; w = 1.42995
TEST(SgdReference, OneStepByHand) {
  std::vector<double> w{1.0, -2.0}, v{0.5, 0.0};
  const std::vector<double> g{0.2, 1.0};
  sgd_momentum_update<double>(w, v, g, 0.1, 0.9, 5e-4);
  EXPECT_NEAR(v[0], 0.42995, 1e-15);
  EXPECT_NEAR(w[0], 1.42995, 1e-15);
  // v = 0 - 5e-4 * 0.1 * (-2) - 0.1 * 1 = 0.0001 - 0.1 = -0.0999; w = -2.0999
  EXPECT_NEAR(v[1], -0.0999, 1e-15);
  EXPECT_NEAR(w[1], -2.0999, 1e-15);
}

// Momentum carries the first step into the second; weight decay is scaled by lr.
TEST(SgdReference, TwoStepsByHand) {
  std::vector<double> w{1.0}, v{0.0};
  const std::vector<double> g{1.0};
  sgd_momentum_update<double>(w, v, g, 0.5, 0.5, 0.1);
  // v = -0.1 * 0.5 * 1 - 0.5 * 1 = -0.55; w = 0.45
  EXPECT_NEAR(v[0], -0.55, 1e-15);
  EXPECT_NEAR(w[0], 0.45, 1e-15);
  sgd_momentum_update<double>(w, v, g, 0.5, 0.5, 0.1);
  // v = 0.5 * -0.55 - 0.1 * 0.5 * 0.45 - 0.5 = -0.275 - 0.0225 - 0.5 = -0.7975; w = -0.3475
  EXPECT_NEAR(v[0], -0.7975, 1e-15);
  EXPECT_NEAR(w[0], -0.3475, 1e-15);
}

// In float the update is the written expression evaluated left to right in float, the
// order a shader is expected to follow.
TEST(SgdReference, FloatFollowsTheWrittenOrder) {
  std::vector<float> w{0.123f}, v{-0.0456f};
  const std::vector<float> g{0.789f};
  const float lr = 0.01f, m = 0.9f, wd = 5e-4f;
  const float v_want = m * v[0] - wd * lr * w[0] - lr * g[0];
  const float w_want = w[0] + v_want;
  sgd_momentum_update<float>(w, v, g, lr, m, wd);
  EXPECT_EQ(v[0], v_want);
  EXPECT_EQ(w[0], w_want);
}

TEST(SgdReference, RejectsMismatchedSizes) {
  std::vector<float> w(4), v(4), v_short(3);
  const std::vector<float> g(4), g_long(5);
  EXPECT_THROW(sgd_momentum_update<float>(w, v_short, g, 0.1f, 0.9f, 0.0f), std::invalid_argument);
  EXPECT_THROW(sgd_momentum_update<float>(w, v, g_long, 0.1f, 0.9f, 0.0f), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
