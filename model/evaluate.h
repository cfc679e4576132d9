// Top-1 / top-5 error over a data set, centre crop or the paper's 10-crop average.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "model/data/augment.h"
#include "model/data/dataset.h"
#include "model/predictor.h"

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

EvalResult evaluate(Predictor& predictor, const data::Dataset& dataset, const data::AugmentConfig& augment,
                    const data::Normalization& norm, bool ten_crop, int threads);

// Indices of the k largest probabilities of one row, largest first (ties: lower index first).
std::vector<int> top_k(std::span<const float> row, int k);

}  // namespace alexnet
