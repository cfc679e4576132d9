// AlexNet on two Vulkan devices, as the paper split it (Figure 2): each device holds half of every
// layer's kernels (output channels or units) and the activations, gradients and momentum of its
// half. Layers with groups 2 (conv2, conv4, conv5) read only their own device's maps; conv3 and
// the fully connected layers read both halves, which the devices exchange through host-mapped
// buffers (runtime/exchange.h). The result is the one-device network with the same Arch:
//
//   forward   a layer that reads both halves first gathers the other device's half; LRN, which
//             sums over neighbouring channels, first fetches the other device's SIZE/2 boundary
//             channels (a halo); fc8's two halves of the logits are gathered and both devices
//             compute the same softmax and loss.
//   backward  a layer that read both halves produces a partial gradient for both halves: each
//             device sends the other's half and adds what it receives (a reduce-scatter), while
//             its own weight gradients run; LRN fetches the boundary channels' dy, y and scale.
//   update    each device updates its own half; nothing is exchanged.
//
// Parameters are seen in the one-device layout (ParameterSet): every tensor is device 0's half
// followed by device 1's along the first dimension, so checkpoints move freely between one-device
// and two-device runs. Dropout draws each unit's mask at its one-device index, and initialize()
// draws the one-device values: the same seed gives the same network and masks either way.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/graph/network.h"
#include "model/graph/parameter_set.h"
#include "runtime/context.h"
#include "runtime/exchange.h"

namespace alexnet {

namespace split {
struct Half;
}

class SplitNetwork : public ParameterSet {
 public:
  // `batch`: images per training step (a multiple of micro_batch); buffers are sized for it.
  // Throws std::invalid_argument when the Arch cannot be halved (an odd channel count, a grouped
  // layer whose groups are not even) and vkrt::Error when a device lacks timeline semaphores.
  SplitNetwork(vkrt::Context& first, vkrt::Context& second, const Arch& arch, int micro_batch, int batch);
  ~SplitNetwork() override;

  const Arch& arch() const { return arch_; }
  int micro_batch() const { return micro_batch_; }
  int batch() const { return batch_; }
  std::size_t input_count() const;
  std::size_t parameter_count() const;
  std::string device_names() const;

  // The values Network::initialize(seed) gives, split over the devices; momentum zero.
  void initialize(std::uint64_t seed);

  // ParameterSet (one-device layout)
  std::vector<ParameterInfo> parameter_infos() const override;
  std::vector<float> read_parameter(std::size_t i, ParameterPart part) override;
  void write_parameter(std::size_t i, ParameterPart part, std::span<const float> values) override;

  // One training step's forward, loss and backward over batch() images, leaving the parameter
  // gradients on the devices: images (batch, C, H, W), labels (batch) -> loss (batch), probs
  // (batch, classes). Throws DeviceLostError (naming the device) when a device is lost.
  void train_gradients(std::span<const float> images, std::span<const std::int32_t> labels, const net::StepKey& key,
                       std::span<float> loss, std::span<float> probs);
  // The SGD update of both halves with the gradients of the last train_gradients.
  void update(float lr, const SgdConfig& sgd);
  // Inference of micro_batch() images -> probs (micro_batch, classes).
  void infer(std::span<const float> images, std::span<float> probs);

  // For benchmarks: per device, bytes of parameters (value, gradient, momentum); of activations
  // (as Network::activation_bytes counts them, plus the gathered inputs, the halos and the gathers'
  // gradient halves); of the host-visible exchange buffers; and of the rest (kernel scratch).
  struct DeviceMemory {
    std::string device;
    std::uint64_t parameter_bytes = 0, activation_bytes = 0, exchange_bytes = 0, scratch_bytes = 0, peak_bytes = 0;
  };
  std::array<DeviceMemory, 2> device_memory() const;
  // Of the last train_gradients or infer: bytes copied between the devices, and submissions per
  // device.
  std::uint64_t exchanged_bytes() const;
  // Per device, the time it sat idle between its submissions waiting for exchanged data (device
  // timestamps; 0 on a device without them).
  std::array<double, 2> idle_ms() const;
  std::size_t submissions_per_device() const { return last_submissions_; }

  // Test hook: the next step throws DeviceLostError for `device` before it is submitted, as a
  // lost device would (ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP with --devices).
  void simulate_device_lost(int device) { simulated_lost_device_ = device; }

 private:
  // Runs what both halves recorded (the same exchanges in the same order): submits every segment
  // of both devices, then relays the exchanges. `train`: the training recording, else inference.
  void run(bool train, const std::vector<int>& slots);

  Arch arch_;
  int micro_batch_, batch_;
  std::array<vkrt::Context*, 2> contexts_;
  std::unique_ptr<vkrt::HostExchange> exchange_;
  std::array<std::unique_ptr<split::Half>, 2> halves_;
  std::vector<int> infer_slots_;  // the inference recording's exchanges, once recorded
  std::size_t last_submissions_ = 0;
  bool last_train_ = true;
  std::optional<SgdConfig> update_sgd_;  // what the update streams were recorded with
  int simulated_lost_device_ = -1;
};

}  // namespace alexnet
