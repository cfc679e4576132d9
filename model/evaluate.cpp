#include "model/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "model/data/loader.h"

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

EvalResult evaluate(Predictor& predictor, const data::Dataset& dataset, const data::AugmentConfig& augment,
                    const data::Normalization& norm, bool ten_crop, int threads) {
  const int classes = predictor.arch().classes;
  const int views = ten_crop ? 10 : 1;
  data::LoaderConfig config;
  config.batch = std::max(predictor.micro_batch(), 64);
  config.threads = threads;
  config.shuffle = false;
  config.drop_last = false;
  Tally tally;
  // One loader per view; each walks the data set in the same order, so batch k of every view
  // holds the same images.
  std::vector<std::unique_ptr<data::Loader>> loaders;
  for (int v = 0; v < views; ++v) {
    config.view = ten_crop ? data::ten_crop_view(v) : data::View::Center;
    loaders.push_back(std::make_unique<data::Loader>(dataset, augment, norm, config));
  }
  for (;;) {
    std::vector<float> mean_probs;
    std::vector<std::int32_t> labels;
    for (auto& loader : loaders) {
      auto batch = loader->next();
      if (!batch) break;
      auto probs = predictor.probabilities(batch->images, batch->count);
      if (mean_probs.empty()) {
        mean_probs = std::move(probs);
        labels = batch->labels;
      } else {
        for (std::size_t i = 0; i < probs.size(); ++i) mean_probs[i] += probs[i];
      }
    }
    if (labels.empty()) break;
    for (auto& p : mean_probs) p /= static_cast<float>(views);
    tally.add(mean_probs, labels, classes);
  }
  return tally.result();
}

}  // namespace alexnet
