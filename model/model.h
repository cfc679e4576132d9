// The one model interface: AlexNet on the devices it is laid out over, as the trainer, evaluation,
// prediction and the benchmark see it. They take a Model and never ask how many devices are
// behind it; open_model() is the one place that chooses the layout:
//   - one device: model/graph/one_device_model.h (the Network of model/graph/network.h);
//   - two devices, the paper's split: model/split/split_network.h.
// Every layout computes the same numbers (to float rounding) and shows its parameters in the
// one-device layout (ParameterSet), so checkpoints move freely between layouts.
//
// A training step, as the trainer drives it:
//   stage(batch) -> submit_gradients(key) -> wait() -> loss()/probs() -> update(lr)
// The loss is read between the gradients and the update, so a non-finite loss stops training
// before it reaches the weights. run_step() does both halves in as few submissions as the layout
// allows (for benchmarks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/graph/parameter_set.h"
#include "model/layers/layer.h"
#include "model/ops/gemm/gemm_path.h"
#include "model/ops/precision.h"
#include "model/ops/sgd.h"

namespace vkrt {
class Context;
}

namespace alexnet {

// The Vulkan devices a model is laid out over, in order: one, or two for the paper's split (the
// same device twice gives two logical devices on one GPU).
using DeviceList = std::vector<vkrt::Context*>;

// One training batch on the host, as the loader produces it: normalised floats, or (a quarter of
// the bytes to upload) uint8 pixels that the device normalises as x = (byte - mean[c]) * scale[c].
struct HostBatch {
  std::span<const float> images;         // (batch, C, H, W), normalised; or empty, and:
  std::span<const std::int32_t> labels;  // (batch)
  std::span<const std::uint8_t> pixels;  // (batch, C, H, W) bytes
  std::span<const float> mean, scale;    // with pixels: one per channel
};

// Device memory a model holds on one device, by use.
struct DeviceMemory {
  std::string device;
  std::uint64_t parameter_bytes = 0;   // value, gradient and momentum of every parameter
  std::uint64_t activation_bytes = 0;  // layer outputs, gradient buffers, layer state (LRN's scale,
                                       // max-pool's argmax); two devices: also gathers and halos
  std::uint64_t exchange_bytes = 0;    // two devices: the host-visible send and receive buffers
  std::uint64_t io_bytes = 0;          // the step's input and output buffers and their staging
  std::uint64_t scratch_bytes = 0;     // the rest: kernel workspaces (im2col, K-slice partial sums)
  std::uint64_t peak_bytes = 0;        // the device allocator's peak in use
};

// GPU time of one layer's pass in the last profiled step ("conv1 forward", "fc6 update", ...).
struct LayerTime {
  std::string label;
  double ms = 0;  // summed over the step's micro-batches
};

// What the last step (run_step, or submit_gradients + update) or inference cost, for benchmarks.
struct StepStats {
  std::size_t submissions = 0;          // queue submissions per device
  std::uint64_t exchanged_bytes = 0;    // copied between the devices
  std::vector<double> exchange_wait_ms; // per device: idle between submissions, waiting for data
  std::vector<LayerTime> layers;        // with set_profiling(true), where the layout can time them
  double gpu_ms = 0;                    // the sum of `layers`
};

// A model's share of a larger training step (data parallelism over processes,
// model/distributed/): its batch is the step's samples [first_sample, first_sample + batch) of
// step_batch, so dropout draws each sample's mask at its index in the whole step and the loss is
// the mean over the whole step. The gradients the ranks sum are then exactly the gradient one
// model would compute over the step, up to the order of the float additions.
struct StepShare {
  std::uint64_t first_sample = 0;
  int step_batch = 0;  // 0: the model's own batch (a whole step)
};

// Parameters [first, last) in parameter_infos() order.
struct ParameterRange {
  std::size_t first = 0, last = 0;
};

struct ModelOptions {
  int batch = 128;      // images per training step (inference: the micro-batch is chosen for it)
  int micro_batch = 0;  // images per round; 0: the largest that fits the device (choose_micro_batch)
  bool train = true;    // false: inference only (no training buffers are allocated)
  SgdConfig sgd;
  StepShare share;      // the default: the batch is the whole step
  // Storage of activations and their gradients (--precision): fp16 on one device only; weights,
  // their gradients and momentum are fp32 either way (model/ops/precision.h).
  Precision precision = Precision::Fp32;
  // The convolutions' and fully connected layers' product path (--gemm-path); Auto: the device's
  // default. Coopmat is asked for by name only, at fp16 (model/ops/gemm/gemm_path.h).
  GemmPath gemm_path = GemmPath::Auto;
};

class Model : public ParameterSet {
 public:
  ~Model() override = default;

  virtual const Arch& arch() const = 0;
  // The devices' names, in layout order, and them joined: "llvmpipe (LLVM 15.0.6, 256 bits)", or
  // "A + B" for two devices.
  virtual std::vector<std::string> device_names() const = 0;
  std::string device_name() const;
  virtual int batch() const = 0;        // images per training step (ModelOptions::batch)
  virtual int micro_batch() const = 0;  // images per forward/backward round
  std::size_t input_count() const;      // floats per sample: C * H * W
  std::size_t parameter_count() const;

  // The paper's init, deterministic in `seed` and the same for every layout; momentum zero.
  virtual void initialize(std::uint64_t seed) = 0;

  // ---- training (not with ModelOptions::train false) ----
  // Copies a batch of batch() images into the model's staging buffers. It may be called while the
  // previous step still runs (after submit_gradients, before wait): staging is double-buffered,
  // so the next batch's upload overlaps the current step.
  virtual void stage(const HostBatch& batch) = 0;
  // Starts forward, loss and backward over the staged batch, micro-batch by micro-batch (the
  // parameter gradients add up over the rounds), dropout keyed by `key`.
  virtual void submit_gradients(const net::StepKey& key) = 0;
  // Waits for submit_gradients; then loss() is the per-sample loss (batch) and probs() the
  // probabilities (batch, classes). Throws vkrt::DeviceLostError when a device was lost.
  virtual void wait() = 0;
  virtual std::span<const float> loss() const = 0;
  virtual std::span<const float> probs() const = 0;
  // The SGD update with the gradients of the step just waited for.
  virtual void update(float lr) = 0;
  // submit_gradients + wait + update in as few submissions as the layout allows.
  virtual void run_step(const net::StepKey& key, float lr) = 0;

  // ---- data parallelism: the gradients on the host as the backward pass makes them ----
  // Asks every later training step to copy its parameter gradients into host memory too, group by
  // group (`groups`: ranges of parameter indices, from the last parameters to the first, which is
  // the order the backward pass finishes them), each as soon as the device has finished it, so
  // that the ranks can start summing them while the device works on the layers before. False when
  // the layout cannot (then the caller reads and writes whole tensors after wait()).
  virtual bool mirror_gradients(const std::vector<ParameterRange>& /*groups*/) { return false; }
  // After submit_gradients: group g's gradients in host memory (its tensors' floats one after the
  // other), or an empty span when the device has not finished them within `timeout_ms`. Writable:
  // update() applies what they hold then (the sum over the ranks), not the device's own gradients.
  // Throws vkrt::DeviceLostError when the device was lost.
  virtual std::span<float> mirrored_gradients(std::size_t /*group*/, double /*timeout_ms*/) { return {}; }

  // ---- inference ----
  // images (micro_batch(), C, H, W) -> probs (micro_batch(), classes); dropout is the identity.
  virtual void infer(std::span<const float> images, std::span<float> probs) = 0;
  // The layers whose outputs infer_features() returns: the arch's conv and fc layers by name
  // ("conv1" ... "fc8"). A layer's features are what it leaves behind after a whole inference
  // pass: its output after its activation (which works in place), before LRN, pooling or dropout.
  std::vector<std::string> feature_layers() const;
  // Floats per sample of a feature layer's output; throws std::invalid_argument naming the layer
  // and the choices when it is not one of feature_layers().
  std::size_t feature_count(const std::string& layer) const;
  // images as for infer() -> features (micro_batch(), feature_count(layer)) in the one-device
  // layout, and probs as infer() gives them.
  virtual void infer_features(std::span<const float> images, const std::string& layer, std::span<float> features,
                              std::span<float> probs) = 0;

  // ---- reports ----
  virtual std::vector<DeviceMemory> memory() const = 0;  // per device
  // When on, the next steps and inferences record per-layer timestamps (layouts that can).
  virtual void set_profiling(bool on) = 0;
  virtual StepStats last_stats() const = 0;
  // Command buffers this model has recorded so far, on all devices: a training step is recorded
  // once and replayed, so this stops growing after the first step (tests count it).
  virtual std::size_t recordings() const = 0;

  // ---- mixed precision (--precision fp16) ----
  virtual Precision precision() const { return Precision::Fp32; }
  // Dynamic loss scaling, fp16 only (std::logic_error otherwise): the loss gradient of the next
  // steps is multiplied by `scale` and the update divides by it. After wait(): whether the step's
  // (scaled) parameter gradients held a NaN or an infinity, in which case the caller skips its
  // update(). Always false at fp32.
  virtual void set_loss_scale(float scale);
  virtual bool gradients_overflowed() const { return false; }

  // ---- faults ----
  // For the message after a non-finite loss of the step just waited for (before its update):
  // where the first NaN or infinity appears, e.g. "layer conv2.lrn (its forward output; its
  // input is finite)". Slow; for error reports only.
  virtual std::string locate_non_finite(const net::StepKey& key, std::size_t sample) = 0;
  // Test hook (ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP): the next submission fails as a lost device's
  // would, naming the device.
  virtual void simulate_device_lost() = 0;
};

// The model of `arch` laid out over `devices` (one device, or the paper's two-device split).
// Before allocating anything, a batch that cannot fit a device is a vkrt::OutOfMemoryError with a
// one-line message saying what it needs, what the device has and a batch that fits; an allocation
// that fails anyway gets the same advice. Throws std::invalid_argument for an arch the layout
// cannot hold (e.g. an odd channel count on two devices) or an empty or longer device list.
std::unique_ptr<Model> open_model(const DeviceList& devices, const Arch& arch, const ModelOptions& options);

}  // namespace alexnet
