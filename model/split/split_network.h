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
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/graph/step_io.h"
#include "model/model.h"
#include "runtime/context.h"
#include "runtime/exchange.h"

namespace alexnet {

namespace split {
struct Half;
}

class SplitNetwork : public Model {
 public:
  // Buffers are sized for options.batch images per step (a multiple of the micro-batch, the
  // smaller of the two devices' choices unless options.micro_batch is set). Throws
  // std::invalid_argument when the Arch cannot be halved (an odd channel count, a grouped layer
  // whose groups are not even) and vkrt::Error when a device lacks timeline semaphores.
  SplitNetwork(vkrt::Context& first, vkrt::Context& second, const Arch& arch, const ModelOptions& options);
  ~SplitNetwork() override;

  const Arch& arch() const override { return arch_; }
  std::vector<std::string> device_names() const override;
  int batch() const override { return batch_; }
  int micro_batch() const override { return micro_batch_; }
  // The values Network::initialize(seed) gives, split over the devices; momentum zero.
  void initialize(std::uint64_t seed) override;

  // ParameterSet (one-device layout)
  std::vector<ParameterInfo> parameter_infos() const override;
  std::vector<float> read_parameter(std::size_t i, ParameterPart part) override;
  void write_parameter(std::size_t i, ParameterPart part, std::span<const float> values) override;

  void stage(const HostBatch& batch) override;
  // Runs the whole step (both devices' submissions and the host's relays of the exchanges) and
  // waits for it: wait() has nothing left to do. Throws DeviceLostError naming the device.
  void submit_gradients(const net::StepKey& key) override;
  void wait() override {}
  std::span<const float> loss() const override;
  std::span<const float> probs() const override;
  // Both halves' SGD updates, one submission per device.
  void update(float lr) override;
  void run_step(const net::StepKey& key, float lr) override;

  void infer(std::span<const float> images, std::span<float> probs) override;
  void infer_features(std::span<const float> images, const std::string& layer, std::span<float> features,
                      std::span<float> probs) override;

  // Per device: parameters; activations (as Network::activation_bytes counts them, plus the
  // gathered inputs, the halos and the gathers' gradient halves); the host-visible exchange
  // buffers; the step's buffers; and the rest (kernel scratch).
  std::vector<DeviceMemory> memory() const override;
  // The layers are not timed apart on two devices: profiling changes nothing.
  void set_profiling(bool) override {}
  // Of the last step or inference: submissions per device, bytes copied between the devices,
  // and per device the time it sat idle between its submissions waiting for exchanged data
  // (device timestamps; 0 on a device without them).
  StepStats last_stats() const override { return stats_; }
  std::size_t recordings() const override;

  std::string locate_non_finite(const net::StepKey& key, std::size_t sample) override;
  // The next step throws DeviceLostError for device 1 before it is submitted.
  void simulate_device_lost() override { simulated_lost_device_ = 1; }

 private:
  // Runs what both halves recorded (the same exchanges in the same order): submits every segment
  // of both devices, then relays the exchanges. `train`: the training recording, else inference.
  void run(bool train, const std::vector<int>& slots);
  // Fills stats_ after run().
  void note_stats(bool train, std::size_t extra_submissions);

  Arch arch_;
  int micro_batch_, batch_;
  bool train_;
  SgdConfig sgd_;
  std::array<vkrt::Context*, 2> contexts_;
  std::unique_ptr<vkrt::HostExchange> exchange_;
  std::array<std::unique_ptr<split::Half>, 2> halves_;
  std::vector<int> train_slots_, infer_slots_;  // the recordings' exchanges, once recorded
  InputKind recorded_kind_ = InputKind::Floats;  // what the training recording uploads
  bool update_recorded_ = false;
  std::map<std::string, std::array<vkrt::Buffer, 2>> feature_readbacks_;
  std::vector<float> features_scratch_;
  StepStats stats_;
  int simulated_lost_device_ = -1;
};

}  // namespace alexnet
