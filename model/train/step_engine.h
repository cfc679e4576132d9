// What the trainer needs from the device side of a training step, on one device (Network) or two
// (SplitNetwork): load a batch, run forward + loss + backward, read the loss, apply the update.
// The trainer's loop, checkpoints and error handling are the same either way.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "model/graph/network.h"
#include "model/train/predictor.h"
#include "model/split/split_network.h"

namespace alexnet {

class StepEngine {
 public:
  virtual ~StepEngine() = default;
  virtual ParameterSet& parameters() = 0;
  virtual void initialize(std::uint64_t seed) = 0;
  virtual std::size_t parameter_count() const = 0;
  virtual std::string device_name() const = 0;
  virtual int micro_batch() const = 0;
  // Takes the batch (which must stay alive until wait() returns) and records the step (forward,
  // loss, backward; no update).
  virtual void prepare(std::span<const float> images, std::span<const std::int32_t> labels, const net::StepKey& key) = 0;
  virtual void submit() = 0;
  // After wait(): the step's per-sample loss (batch) and probabilities (batch, classes).
  virtual void wait() = 0;
  virtual std::span<const float> loss() const = 0;
  virtual std::span<const float> probs() const = 0;
  // The SGD update with the gradients of the step just waited for.
  virtual void update(float lr) = 0;
  // For the message after a non-finite loss (see Network::locate_non_finite).
  virtual std::string locate_non_finite(const net::StepKey& key, std::size_t sample) = 0;
  virtual Predictor& predictor() = 0;
  // Test hook (ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP): the next submit fails as a lost device would.
  virtual void simulate_device_lost() = 0;
};

// One device: a step is two submissions (gradients, then the update), recorded per step.
std::unique_ptr<StepEngine> make_one_device_engine(vkrt::Context& context, const Arch& arch, int batch,
                                                   const SgdConfig& sgd);
// Two devices (model/split/split_network.h).
std::unique_ptr<StepEngine> make_two_device_engine(vkrt::Context& first, vkrt::Context& second, const Arch& arch,
                                                   int batch, const SgdConfig& sgd);

}  // namespace alexnet
