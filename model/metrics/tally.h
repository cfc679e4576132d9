// Scoring a model's outputs: top-k classes, and running sums of loss and top-1 / top-5 misses
// (saved in checkpoints mid-epoch, so a resumed epoch reports over all its batches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace alexnet {

struct EvalResult {
  double loss = 0;        // mean cross-entropy of the (averaged) probabilities
  double top1_error = 0;  // fractions
  double top5_error = 0;
  std::size_t images = 0;
};

// Running sums of loss and top-k misses over (count, classes) probabilities.
struct Tally {
  double loss_sum = 0;
  std::size_t top1_misses = 0, top5_misses = 0, count = 0;
  void add(std::span<const float> probs, std::span<const std::int32_t> labels, int classes);
  EvalResult result() const;
};

// Indices of the k largest probabilities of one row, largest first (ties: lower index first).
std::vector<int> top_k(std::span<const float> row, int k);

}  // namespace alexnet
