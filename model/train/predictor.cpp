#include "model/train/predictor.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace alexnet {

Predictor::Predictor(Network& network)
    : network_(&network), stream_(std::make_unique<vkrt::Stream>(network.context())) {
  auto& allocator = network.context().allocator();
  const std::size_t mb = network.micro_batch(), in = network.input_count(), classes = network.arch().classes;
  staging_ = allocator.allocate(mb * in * sizeof(float), vkrt::Intent::Upload);
  input_ = allocator.allocate(mb * in * sizeof(float), vkrt::Intent::DeviceLocal);
  probs_ = allocator.allocate(mb * classes * sizeof(float), vkrt::Intent::DeviceLocal);
  probs_readback_ = allocator.allocate(mb * classes * sizeof(float), vkrt::Intent::Readback);
  stream_->begin();
  stream_->copy(staging_, input_);
  stream_->barrier();
  network.record_inference(*stream_, input_, network.micro_batch(), probs_);
  stream_->copy(probs_, probs_readback_);
  stream_->end();
}

Predictor::Predictor(SplitNetwork& network) : split_(&network) {}

const Arch& Predictor::arch() const { return network_ ? network_->arch() : split_->arch(); }

int Predictor::micro_batch() const { return network_ ? network_->micro_batch() : split_->micro_batch(); }

std::vector<float> Predictor::probabilities(std::span<const float> images, int count) {
  const std::size_t mb = micro_batch(), classes = arch().classes,
                    in = std::size_t(arch().in_channels) * arch().in_size * arch().in_size;
  if (images.size() != std::size_t(count) * in)
    throw std::invalid_argument("predictor: expected " + std::to_string(std::size_t(count) * in) + " floats, got " +
                                std::to_string(images.size()));
  std::vector<float> out(std::size_t(count) * classes);
  std::vector<float> padded, split_probs;
  if (split_) padded.resize(mb * in), split_probs.resize(mb * classes);
  float* staging = split_ ? padded.data() : static_cast<float*>(staging_.mapped());
  for (std::size_t first = 0; first < std::size_t(count); first += mb) {
    const std::size_t n = std::min<std::size_t>(mb, count - first);
    std::memcpy(staging, images.data() + first * in, n * in * sizeof(float));
    std::fill(staging + n * in, staging + mb * in, 0.0f);
    if (split_) {
      split_->infer(padded, split_probs);
      std::memcpy(out.data() + first * classes, split_probs.data(), n * classes * sizeof(float));
    } else {
      stream_->submit_and_wait();
      std::memcpy(out.data() + first * classes, probs_readback_.mapped(), n * classes * sizeof(float));
    }
  }
  return out;
}

}  // namespace alexnet
