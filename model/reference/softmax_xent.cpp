#include "model/reference/softmax_xent.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::count_of;
using detail::require;
using detail::require_size;

namespace {

void validate(const char* op, int n, int classes, std::size_t logits_size) {
  require(n > 0 && classes > 0, op,
          "n and classes must be positive (n=" + std::to_string(n) +
              ", classes=" + std::to_string(classes) + ")");
  require_size(op, "logits", logits_size, count_of(n, classes));
}

// The above, and every label a class.
void validate(const char* op, int n, int classes, std::size_t logits_size,
              std::span<const std::int32_t> labels) {
  validate(op, n, classes, logits_size);
  require_size(op, "labels", labels.size(), static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < labels.size(); ++i)
    require(labels[i] >= 0 && labels[i] < classes, op,
            "labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) +
                " is outside [0, " + std::to_string(classes) + ")");
}

// The row's maximum and sum_j exp(logit_j - max), both in double.
template <class T>
void row_stats(std::span<const T> row, double& max, double& sum) {
  max = static_cast<double>(*std::max_element(row.begin(), row.end()));
  sum = 0.0;
  for (const T v : row) sum += std::exp(static_cast<double>(v) - max);
}

// Calls f(i, row, max, sum) for every row i of the (n, classes) logits, with its row_stats.
template <class T, class F>
void for_each_row(int n, int classes, std::span<const T> logits, F f) {
  for (int i = 0; i < n; ++i) {
    const std::span<const T> row = logits.subspan(count_of(i, classes), classes);
    double max, sum;
    row_stats(row, max, sum);
    f(i, row, max, sum);
  }
}

}  // namespace

template <class T>
std::vector<T> softmax_forward(int n, int classes, std::span<const T> logits) {
  validate("softmax_forward", n, classes, logits.size());
  std::vector<T> probs(logits.size());
  for_each_row(n, classes, logits, [&](int i, std::span<const T> row, double max, double sum) {
    for (int j = 0; j < classes; ++j)
      probs[count_of(i, classes) + j] =
          static_cast<T>(std::exp(static_cast<double>(row[j]) - max) / sum);
  });
  return probs;
}

template <class T>
std::vector<T> softmax_xent_loss(int n, int classes, std::span<const T> logits,
                                 std::span<const std::int32_t> labels) {
  validate("softmax_xent_loss", n, classes, logits.size(), labels);
  std::vector<T> loss(static_cast<std::size_t>(n));
  for_each_row(n, classes, logits, [&](int i, std::span<const T> row, double max, double sum) {
    loss[i] = static_cast<T>(max + std::log(sum) - static_cast<double>(row[labels[i]]));
  });
  return loss;
}

template <class T>
std::vector<T> softmax_xent_backward(int n, int classes, std::span<const T> logits,
                                     std::span<const std::int32_t> labels) {
  validate("softmax_xent_backward", n, classes, logits.size(), labels);
  std::vector<T> dlogits(logits.size());
  for_each_row(n, classes, logits, [&](int i, std::span<const T> row, double max, double sum) {
    for (int j = 0; j < classes; ++j) {
      const double p = std::exp(static_cast<double>(row[j]) - max) / sum;
      const double onehot = j == labels[i] ? 1.0 : 0.0;
      dlogits[count_of(i, classes) + j] = static_cast<T>((p - onehot) / n);
    }
  });
  return dlogits;
}

#define ALEXNET_REF_INSTANTIATE_SOFTMAX(T)                                                     \
  template std::vector<T> softmax_forward<T>(int, int, std::span<const T>);                    \
  template std::vector<T> softmax_xent_loss<T>(int, int, std::span<const T>,                   \
                                               std::span<const std::int32_t>);                 \
  template std::vector<T> softmax_xent_backward<T>(int, int, std::span<const T>,               \
                                                   std::span<const std::int32_t>);

ALEXNET_REF_INSTANTIATE_SOFTMAX(float)
ALEXNET_REF_INSTANTIATE_SOFTMAX(double)
#undef ALEXNET_REF_INSTANTIATE_SOFTMAX

}  // namespace alexnet::ref
