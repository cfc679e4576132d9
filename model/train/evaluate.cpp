#include "model/train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "model/data/loader.h"

namespace alexnet {

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
