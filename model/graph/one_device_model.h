// The Model on one device: the Network (model/graph/network.h), its StepIo, and the recordings of
// a step, made once and replayed:
//   gradients  staging -> device, every micro-batch round's forward, loss and backward, loss and
//              probabilities back to the host (one submission)
//   update     the SGD update of every parameter (one submission; the learning rate lives in a
//              buffer)
//   fused      both in one submission (run_step, for benchmarks)
//   inference  one micro-batch: staging -> device, forward, probabilities back
// What changes per step lives in buffers the host writes before submitting: the batch (StepIo's
// two staging slots, floats or bytes), the learning rate, and the dropout key (seed, step); so
// each recording is made once per staging slot and input kind and replayed (made again only when
// profiling is switched on or off).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/graph/gradient_mirror.h"
#include "model/graph/network.h"
#include "model/graph/step_io.h"
#include "model/model.h"
#include "runtime/stream.h"

namespace alexnet {

class OneDeviceModel : public Model {
 public:
  OneDeviceModel(vkrt::Context& context, const Arch& arch, const ModelOptions& options);
  ~OneDeviceModel() override;

  const Arch& arch() const override { return network_.arch(); }
  std::vector<std::string> device_names() const override;
  int batch() const override { return batch_; }
  int micro_batch() const override { return network_.micro_batch(); }
  void initialize(std::uint64_t seed) override { network_.initialize(seed); }

  std::vector<ParameterInfo> parameter_infos() const override { return network_.parameter_infos(); }
  std::vector<float> read_parameter(std::size_t i, ParameterPart part) override {
    return network_.read_parameter(i, part);
  }
  void write_parameter(std::size_t i, ParameterPart part, std::span<const float> values) override {
    network_.write_parameter(i, part, values);
  }

  void stage(const HostBatch& batch) override;
  void submit_gradients(const net::StepKey& key) override;
  void wait() override;
  std::span<const float> loss() const override { return io_.loss_values(batch_); }
  std::span<const float> probs() const override { return io_.prob_values(batch_); }
  void update(float lr) override;
  void run_step(const net::StepKey& key, float lr) override;

  bool mirror_gradients(const std::vector<ParameterRange>& groups) override;
  std::span<float> mirrored_gradients(std::size_t group, double timeout_ms) override;

  void infer(std::span<const float> images, std::span<float> probs) override;
  void infer_features(std::span<const float> images, const std::string& layer, std::span<float> features,
                      std::span<float> probs) override;

  std::vector<DeviceMemory> memory() const override;
  void set_profiling(bool on) override;
  StepStats last_stats() const override { return stats_; }
  std::size_t recordings() const override { return recordings_; }

  Precision precision() const override { return network_.precision(); }
  void set_loss_scale(float scale) override { network_.set_loss_scale(scale); }
  bool gradients_overflowed() const override {
    return network_.precision() == Precision::Fp16 && network_.gradients_overflowed();
  }

  std::string locate_non_finite(const net::StepKey& key, std::size_t sample) override;
  void simulate_device_lost() override { lose_device_ = true; }

 private:
  // A stream and what its recording was made for.
  struct Recording {
    explicit Recording(vkrt::Context& context) : stream(context) {}
    vkrt::Stream stream;
    bool made = false;
    bool profiled = false;
    std::vector<Network::TimedSpan> spans;  // when profiled: the layers' timestamp pairs
  };
  // Starts a new recording of `r` (counted), with the network's profiling on when asked.
  void begin(Recording& r, bool profile);
  void end(Recording& r);
  bool current(const Recording& r) const;  // made, with the profiling now asked for
  // One recording per staging slot and input kind, made at first use.
  using Recordings = std::map<std::pair<int, InputKind>, std::unique_ptr<Recording>>;
  Recording& recording(Recordings& all);  // for the pending slot and its kind
  void require_training() const;
  void throw_if_lost();
  // The timings of the last profiled recording `r` ran.
  void collect_profile(const Recording& r);
  // With a gradient mirror: the step's gradients as parts (gradient_mirror.h), one part when
  // profiling (timestamps are read per command buffer).
  using Parts = std::vector<std::unique_ptr<Recording>>;
  void submit_mirrored(const net::StepKey& key);
  void record_mirrored(Parts& parts, const net::StepKey& key);

  vkrt::Context& context_;
  std::uint64_t bytes_before_;  // the allocator's bytes in use before this model
  int batch_;
  bool train_;
  SgdConfig sgd_;
  Network network_;
  StepIo io_;
  std::uint64_t bytes_after_;  // ... and after constructing it
  Recording update_;
  Recordings gradients_, fused_, inference_;
  std::vector<Recording*> in_flight_;  // the gradients submitted and not yet waited for
  std::unique_ptr<GradientMirror> mirror_;  // mirror_gradients: the gradients in host memory too
  std::map<std::pair<int, InputKind>, Parts> mirrored_;
  std::unique_ptr<Recording> mirrored_update_;  // the host's gradients back to the device, then SGD
  std::map<std::string, std::unique_ptr<Recording>> feature_copies_;
  std::map<std::string, vkrt::Buffer> feature_readbacks_;
  bool profiling_ = false;
  StepStats stats_;
  std::size_t recordings_ = 0;
  bool lose_device_ = false;
};

}  // namespace alexnet
