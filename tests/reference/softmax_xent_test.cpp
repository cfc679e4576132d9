// The softmax cross-entropy oracle: huge logits, hand-computed values, consistency between the
// three functions, gradients of the mean loss against central differences, label and size
// validation.
#include "model/reference/softmax_xent.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <vector>

#include "model/reference/finite_differences.h"

namespace alexnet::ref {
namespace {

// p = (1, e) / (1 + e) whatever the common offset; exp(1000) alone would overflow.
TEST(SoftmaxXentReference, HugeLogitsAreFiniteAndCorrect) {
  const std::vector<double> logits{1000, 1001,  1000, 1001};
  const std::vector<std::int32_t> labels{0, 1};
  const auto p = softmax_forward<double>(2, 2, logits);
  EXPECT_NEAR(p[0], 0.2689414213699951, 1e-15);
  EXPECT_NEAR(p[1], 0.7310585786300049, 1e-15);
  const auto loss = softmax_xent_loss<double>(2, 2, logits, labels);
  EXPECT_NEAR(loss[0], 1.3132616875182228, 1e-13);   // log(1 + e)
  EXPECT_NEAR(loss[1], 0.31326168751822286, 1e-13);  // log(1 + 1/e)
  const auto d = softmax_xent_backward<double>(2, 2, logits, labels);
  EXPECT_NEAR(d[0], (0.2689414213699951 - 1.0) / 2, 1e-15);
  EXPECT_NEAR(d[3], (0.7310585786300049 - 1.0) / 2, 1e-15);

  // In float, and with a probability that underflows: the loss is still exact, not inf.
  const std::vector<float> extreme{-1000.0f, 1000.0f, 0.0f};
  const auto pf = softmax_forward<float>(1, 3, extreme);
  EXPECT_EQ(pf[0], 0.0f);
  EXPECT_EQ(pf[1], 1.0f);
  EXPECT_FLOAT_EQ(softmax_xent_loss<float>(1, 3, extreme, std::vector<std::int32_t>{0})[0],
                  2000.0f);
  for (const float v : softmax_xent_backward<float>(1, 3, extreme, std::vector<std::int32_t>{0}))
    EXPECT_TRUE(std::isfinite(v));
}

TEST(SoftmaxXentReference, UniformLogitsGiveLogClasses) {
  const std::vector<float> logits(10, 3.5f);
  const auto loss = softmax_xent_loss<float>(1, 10, logits, std::vector<std::int32_t>{4});
  EXPECT_FLOAT_EQ(loss[0], std::log(10.0f));
  for (const float p : softmax_forward<float>(1, 10, logits)) EXPECT_FLOAT_EQ(p, 0.1f);
}

TEST(SoftmaxXentReference, FunctionsAgreeWithEachOther) {
  const int n = 3, classes = 7;
  const auto logits = random_uniform(n * classes, 71, -5.0, 5.0);
  const std::vector<std::int32_t> labels{6, 0, 3};
  const auto p = softmax_forward<double>(n, classes, logits);
  const auto loss = softmax_xent_loss<double>(n, classes, logits, labels);
  const auto d = softmax_xent_backward<double>(n, classes, logits, labels);
  for (int i = 0; i < n; ++i) {
    double row_sum = 0.0, grad_sum = 0.0;
    for (int j = 0; j < classes; ++j) {
      row_sum += p[i * classes + j];
      grad_sum += d[i * classes + j];
      const double onehot = j == labels[i] ? 1.0 : 0.0;
      EXPECT_NEAR(d[i * classes + j], (p[i * classes + j] - onehot) / n, 1e-15);
    }
    EXPECT_NEAR(row_sum, 1.0, 1e-15);
    EXPECT_NEAR(grad_sum, 0.0, 1e-15);
    EXPECT_NEAR(std::exp(-loss[i]), p[i * classes + labels[i]], 1e-15);
  }
}

struct XentCase {
  int n, classes;
};
void PrintTo(const XentCase& c, std::ostream* os) {
  *os << "n" << c.n << "_classes" << c.classes;
}

class SoftmaxXentGradient : public ::testing::TestWithParam<XentCase> {};

// The backward is the gradient of the MEAN loss: probe L = sum_i (1/n) loss_i.
TEST_P(SoftmaxXentGradient, MatchesCentralDifferences) {
  const int n = GetParam().n, classes = GetParam().classes;
  const auto logits = random_uniform(std::size_t(n) * classes, 72, -4.0, 4.0);
  std::vector<std::int32_t> labels(n);
  for (int i = 0; i < n; ++i) labels[i] = (7 * i + 2) % classes;
  const std::vector<double> mean(n, 1.0 / n);
  const auto d = softmax_xent_backward<double>(n, classes, logits, labels);
  const auto f = [&](std::span<const double> v) {
    return softmax_xent_loss<double>(n, classes, v, labels);
  };
  const auto result = compare_gradient(f, logits, mean, d, sample_indices(logits.size(), 300, 73));
  EXPECT_TRUE(result.ok()) << result.describe();
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxXentGradient,
                         ::testing::Values(XentCase{1, 1}, XentCase{1, 10}, XentCase{3, 7},
                                           XentCase{5, 13}),
                         [](const ::testing::TestParamInfo<XentCase>& info) {
                           return ::testing::PrintToString(info.param);
                         });

TEST(SoftmaxXentReference, RejectsBadLabelsAndSizes) {
  const std::vector<float> logits(6);
  EXPECT_NO_THROW(softmax_xent_loss<float>(2, 3, logits, std::vector<std::int32_t>{0, 2}));
  for (const std::int32_t bad : {-1, 3}) {
    const std::vector<std::int32_t> labels{0, bad};
    EXPECT_THROW(softmax_xent_loss<float>(2, 3, logits, labels), std::invalid_argument);
    EXPECT_THROW(softmax_xent_backward<float>(2, 3, logits, labels), std::invalid_argument);
  }
  const std::vector<std::int32_t> one_label{0};
  EXPECT_THROW(softmax_xent_loss<float>(2, 3, logits, one_label), std::invalid_argument);
  EXPECT_THROW(softmax_forward<float>(2, 4, logits), std::invalid_argument);
  EXPECT_THROW(softmax_forward<float>(0, 3, {}), std::invalid_argument);
  EXPECT_THROW(softmax_xent_backward<float>(3, 3, logits, std::vector<std::int32_t>{0, 0, 0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::ref
