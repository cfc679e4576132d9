#include "model/train/predictor.h"

#include <algorithm>
#include <stdexcept>

namespace alexnet {

template <class Run>
void Predictor::for_each_micro_batch(std::span<const float> images, int count, Run run) {
  const std::size_t mb = model_.micro_batch(), in = model_.input_count();
  if (count < 0 || images.size() != std::size_t(count) * in)
    throw std::invalid_argument("predictor: expected " + std::to_string(std::size_t(std::max(count, 0)) * in) +
                                " floats, got " + std::to_string(images.size()));
  padded_.resize(mb * in);
  for (std::size_t first = 0; first < std::size_t(count); first += mb) {
    const std::size_t n = std::min<std::size_t>(mb, count - first);
    std::copy_n(images.begin() + first * in, n * in, padded_.begin());
    std::fill(padded_.begin() + n * in, padded_.end(), 0.0f);
    run(first, n);
  }
}

std::vector<float> Predictor::probabilities(std::span<const float> images, int count) {
  const std::size_t classes = model_.arch().classes;
  std::vector<float> out(std::size_t(std::max(count, 0)) * classes);
  probs_.resize(std::size_t(model_.micro_batch()) * classes);
  for_each_micro_batch(images, count, [&](std::size_t first, std::size_t n) {
    model_.infer(padded_, probs_);
    std::copy_n(probs_.begin(), n * classes, out.begin() + first * classes);
  });
  return out;
}

std::vector<float> Predictor::features(std::span<const float> images, int count, const std::string& layer) {
  const std::size_t per_sample = model_.feature_count(layer), classes = model_.arch().classes;
  std::vector<float> out(std::size_t(std::max(count, 0)) * per_sample);
  probs_.resize(std::size_t(model_.micro_batch()) * classes);
  features_.resize(std::size_t(model_.micro_batch()) * per_sample);
  for_each_micro_batch(images, count, [&](std::size_t first, std::size_t n) {
    model_.infer_features(padded_, layer, features_, probs_);
    std::copy_n(features_.begin(), n * per_sample, out.begin() + first * per_sample);
  });
  return out;
}

}  // namespace alexnet
