// fp16 on the host (model/reference/half.h): exact values, rounding to nearest with ties to even,
// overflow to infinity, subnormals, and the unit-roundoff bound the fp16 checks' tolerance rests on.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "model/reference/half.h"

namespace alexnet::ref {
namespace {

TEST(Half, ExactValuesRoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 0.000061035156f /* 2^-14 */, 5.9604645e-08f /* 2^-24 */})
    EXPECT_EQ(half_to_float(float_to_half(v)), v) << v;
  EXPECT_EQ(float_to_half(1.0f), 0x3c00u);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000u);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bffu);
}

TEST(Half, RoundsToNearestTiesToEven) {
  // Between 1 and 1 + 2^-10 the tie 1 + 2^-11 goes to the even 1; 1 + 3*2^-11 to 1 + 2^-9.
  EXPECT_EQ(float_to_half(1.0f + 0x1.0p-11f), 0x3c00u);
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1.0p-11f), 0x3c02u);
  EXPECT_EQ(float_to_half(1.0f + 0x1.0p-11f + 0x1.0p-20f), 0x3c01u);  // past the tie: up
}

TEST(Half, OverflowsToInfinityAndKeepsNaN) {
  EXPECT_EQ(float_to_half(65519.0f), 0x7bffu);   // below the midpoint to 2^16: the largest finite
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00u);   // the midpoint rounds to even: infinity
  EXPECT_EQ(float_to_half(-1e9f), 0xfc00u);
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(std::numeric_limits<float>::infinity()))));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(Half, Subnormals) {
  EXPECT_EQ(float_to_half(0x1.0p-24f), 0x0001u);
  EXPECT_EQ(float_to_half(0x1.0p-25f), 0x0000u);        // the tie between 0 and 2^-24: even (0)
  EXPECT_EQ(float_to_half(3 * 0x1.0p-25f), 0x0002u);    // the tie between 2^-24 and 2^-23: even
  EXPECT_EQ(half_to_float(0x03ffu), 1023 * 0x1.0p-24f);  // the largest subnormal
}

// The bound fp16_bound.h builds on: |round(v) - v| <= 2^-11 (|v| + 2^-14) for every finite v
// below the overflow threshold.
TEST(Half, ErrorWithinUnitRoundoff) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> exponent(-30.0f, 15.9f);
  for (int i = 0; i < 100000; ++i) {
    const float v = std::exp2(exponent(rng)) * (i % 2 ? 1.0f : -1.0f);
    const double err = std::fabs(double(half_to_float(float_to_half(v))) - v);
    ASSERT_LE(err, kHalfUnitRoundoff * (std::fabs(v) + 0x1.0p-14)) << v;
  }
}

}  // namespace
}  // namespace alexnet::ref
