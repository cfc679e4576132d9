// Forward passes for evaluation, prediction and feature extraction over any number of images:
// feeds them through a Model one micro-batch at a time (a last partial micro-batch is padded with
// zeros and the padding's outputs dropped).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/model.h"

namespace alexnet {

class Predictor {
 public:
  explicit Predictor(Model& model) : model_(model) {}

  // images: (count, C, H, W) -> probabilities (count, classes).
  std::vector<float> probabilities(std::span<const float> images, int count);
  // images: (count, C, H, W) -> `layer`'s features (count, model.feature_count(layer)), in the
  // one-device layout (see Model::infer_features).
  std::vector<float> features(std::span<const float> images, int count, const std::string& layer);

  const Arch& arch() const { return model_.arch(); }
  int micro_batch() const { return model_.micro_batch(); }

 private:
  // Runs every micro-batch of `images`; `run` gets each padded micro-batch and how many of its
  // images are real.
  template <class Run>
  void for_each_micro_batch(std::span<const float> images, int count, Run run);

  Model& model_;
  std::vector<float> padded_, probs_, features_;
};

}  // namespace alexnet
