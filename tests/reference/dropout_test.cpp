// The dropout oracle: Philox4x32-10 against Random123's known-answer vectors, the mask rule
// derived by hand from one of those vectors, mask statistics and consistency, the
// gradient against central differences.
#include "model/reference/dropout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

using Block = std::array<std::uint32_t, 4>;

// Random123's kat_vectors for philox4x32 with 10 rounds.
TEST(DropoutReference, PhiloxKnownAnswers) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                          {0xffffffff, 0xffffffff}),
            (Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                          {0xa4093822, 0x299f31d0}),
            (Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// With seed 0 and step 0, elements 0..3 use the first known-answer block. Its words' top 24
// bits give u = 0x6627e8, 0xe169c5, 0xbc57ac, 0x9b00db times 2^-24
// = 0.39905, 0.88052, 0.73571, 0.60548.
TEST(DropoutReference, MaskRuleFromKnownAnswerBlock) {
  const bool half[4] = {false, true, true, true};  // p = 0.5
  const bool p07[4] = {false, true, true, false};  // p = 0.7
  for (std::uint64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(dropout_keep(i, 0.5f, 0, 0), half[i]) << "element " << i;
    EXPECT_EQ(dropout_keep(i, 0.7f, 0, 0), p07[i]) << "element " << i;
  }
  // keep is u >= p: p exactly equal to element 0's u keeps it; the next float up drops it.
  const float u0 = float(0x6627e8) * 0x1p-24f;
  EXPECT_TRUE(dropout_keep(0, u0, 0, 0));
  EXPECT_FALSE(dropout_keep(0, std::nextafter(u0, 1.0f), 0, 0));
  // Element 4 starts the next counter.
  const std::uint32_t r4 = philox4x32_10({1, 0, 0, 0}, {0, 0})[0];
  EXPECT_EQ(dropout_keep(4, 0.5f, 0, 0), float(r4 >> 8) * 0x1p-24f >= 0.5f);
}

// The key is (seed, step), the counter the element index / 4.
TEST(DropoutReference, KeepMatchesTheDocumentedFormula) {
  const std::uint32_t seed = 1234, step = 77;
  for (std::uint64_t i = 0; i < 64; ++i) {
    const std::uint32_t r =
        philox4x32_10({std::uint32_t(i >> 2), 0, 0, 0}, {seed, step})[i & 3];
    const bool want = float(r >> 8) * 0x1p-24f >= 0.3f;
    EXPECT_EQ(dropout_keep(i, 0.3f, seed, step), want) << "element " << i;
  }
}

TEST(DropoutReference, KeepFractionIsOneMinusP) {
  const std::size_t count = 100000;
  for (const float p : {0.1f, 0.5f, 0.9f}) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count; ++i) kept += dropout_keep(i, p, 42, 3);
    // The standard deviation of the fraction is at most 0.0016; 0.01 is over 6 sigma.
    EXPECT_NEAR(double(kept) / count, 1.0 - p, 0.01) << "p = " << p;
  }
}

TEST(DropoutReference, ForwardScalesKeptUnitsAndZeroesTheRest) {
  const std::vector<float> x = [] {
    const auto d = random_away_from_zero(1000, 61);
    return std::vector<float>(d.begin(), d.end());
  }();
  for (const float p : {0.5f, 0.3f}) {
    const float scale = 1.0f / (1.0f - p);
    const auto y = dropout_forward<float>(x, p, 9, 1);
    for (std::size_t i = 0; i < x.size(); ++i)
      ASSERT_EQ(y[i], dropout_keep(i, p, 9, 1) ? x[i] * scale : 0.0f) << "element " << i;
  }
}

TEST(DropoutReference, ZeroProbabilityIsIdentity) {
  const auto x = random_uniform(1000, 62);
  EXPECT_EQ(dropout_forward<double>(x, 0.0f, 5, 6), x);
  EXPECT_EQ(dropout_backward<double>(x, 0.0f, 5, 6), x);
}

TEST(DropoutReference, BackwardUsesTheForwardMask) {
  const auto x = random_away_from_zero(5000, 63);
  const auto y = dropout_forward<double>(x, 0.5f, 17, 4);
  // Same values in, same (seed, step): the same elements survive with the same scale.
  EXPECT_EQ(dropout_backward<double>(x, 0.5f, 17, 4), y);
  std::size_t zeros = 0;
  for (const double v : y) zeros += v == 0.0;
  EXPECT_GT(zeros, 2000u);
  EXPECT_LT(zeros, 3000u);
}

TEST(DropoutReference, StepAndSeedChangeTheMask) {
  const std::size_t count = 10000;
  std::size_t step_differs = 0, seed_differs = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const bool keep = dropout_keep(i, 0.5f, 7, 100);
    step_differs += keep != dropout_keep(i, 0.5f, 7, 101);
    seed_differs += keep != dropout_keep(i, 0.5f, 8, 100);
  }
  // Independent masks disagree on about half of the elements.
  EXPECT_NEAR(double(step_differs) / count, 0.5, 0.05);
  EXPECT_NEAR(double(seed_differs) / count, 0.5, 0.05);
}

TEST(DropoutReference, Gradient) {
  const auto x = random_uniform(503, 64);
  const auto r = random_uniform(x.size(), 65);
  const auto dx = dropout_backward<double>(r, 0.4f, 3, 9);
  const auto f = [](std::span<const double> v) { return dropout_forward<double>(v, 0.4f, 3, 9); };
  const auto result = compare_gradient(f, x, r, dx, sample_indices(x.size(), 600, 66));
  EXPECT_TRUE(result.ok()) << result.describe();
}

TEST(DropoutReference, RejectsProbabilityOutsideZeroOne) {
  const std::vector<float> x(8, 1.0f);
  EXPECT_THROW(dropout_forward<float>(x, -0.1f, 0, 0), std::invalid_argument);
  EXPECT_THROW(dropout_forward<float>(x, 1.0f, 0, 0), std::invalid_argument);
  EXPECT_THROW(dropout_backward<float>(x, std::numeric_limits<float>::quiet_NaN(), 0, 0),
               std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
