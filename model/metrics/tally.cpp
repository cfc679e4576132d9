#include "model/metrics/tally.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace alexnet {

std::vector<int> top_k(std::span<const float> row, int k) {
  std::vector<int> index(row.size());
  std::iota(index.begin(), index.end(), 0);
  k = std::min<int>(k, static_cast<int>(row.size()));
  std::partial_sort(index.begin(), index.begin() + k, index.end(),
                    [&](int a, int b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
  index.resize(k);
  return index;
}

void Tally::add(std::span<const float> probs, std::span<const std::int32_t> labels, int classes) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto row = probs.subspan(i * classes, classes);
    const int label = labels[i];
    loss_sum += -std::log(std::max(static_cast<double>(row[label]), 1e-30));
    const auto best = top_k(row, 5);
    top1_misses += best[0] != label;
    top5_misses += std::find(best.begin(), best.end(), label) == best.end();
    ++count;
  }
}

EvalResult Tally::result() const {
  EvalResult r;
  r.images = count;
  if (count == 0) return r;
  r.loss = loss_sum / count;
  r.top1_error = static_cast<double>(top1_misses) / count;
  r.top5_error = static_cast<double>(top5_misses) / count;
  return r;
}

}  // namespace alexnet
