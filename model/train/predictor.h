// Forward passes for evaluation and prediction: feeds images through the network one
// micro-batch at a time, from a recording made once and replayed for every micro-batch.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "model/graph/network.h"
#include "model/split/split_network.h"
#include "runtime/stream.h"

namespace alexnet {

class Predictor {
 public:
  explicit Predictor(Network& network);
  // Over two devices: each micro-batch is one SplitNetwork::infer.
  explicit Predictor(SplitNetwork& network);

  // images: (count, C, H, W) -> probabilities (count, classes). A last partial micro-batch is
  // padded with zeros and the padding's outputs dropped.
  std::vector<float> probabilities(std::span<const float> images, int count);
  const Arch& arch() const;
  int micro_batch() const;

 private:
  Network* network_ = nullptr;
  SplitNetwork* split_ = nullptr;
  vkrt::Buffer staging_, input_, probs_, probs_readback_;
  std::unique_ptr<vkrt::Stream> stream_;
};

}  // namespace alexnet
