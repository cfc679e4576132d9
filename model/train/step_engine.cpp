#include "model/train/step_engine.h"

#include <cmath>
#include <cstring>

#include "runtime/error.h"
#include "runtime/stream.h"
#include "runtime/transfer.h"

namespace alexnet {
namespace {

// Device buffers for one training step: host-visible staging for the batch and the results,
// device-local copies the shaders read and write.
struct StepBuffers {
  vkrt::Buffer images_staging, labels_staging, images, labels, loss, probs, loss_readback, probs_readback, lr;
  StepBuffers(vkrt::Context& context, const Network& network, int batch) {
    auto& a = context.allocator();
    const std::size_t in = network.input_count(), classes = network.arch().classes;
    images_staging = a.allocate(batch * in * 4, vkrt::Intent::Upload);
    labels_staging = a.allocate(batch * 4, vkrt::Intent::Upload);
    images = a.allocate(batch * in * 4, vkrt::Intent::DeviceLocal);
    labels = a.allocate(batch * 4, vkrt::Intent::DeviceLocal);
    loss = a.allocate(batch * 4, vkrt::Intent::DeviceLocal);
    probs = a.allocate(batch * classes * 4, vkrt::Intent::DeviceLocal);
    loss_readback = a.allocate(batch * 4, vkrt::Intent::Readback);
    probs_readback = a.allocate(batch * classes * 4, vkrt::Intent::Readback);
    lr = a.allocate(4, vkrt::Intent::Upload);
  }
};

// A step is two submissions: forward, loss and backward (recorded per step: the dropout key
// changes), then the SGD update (recorded once; the learning rate lives in a buffer). The loss is
// read between them, so a non-finite loss stops training before it can reach the weights.
class OneDeviceEngine : public StepEngine {
 public:
  OneDeviceEngine(vkrt::Context& context, const Arch& arch, int batch, const SgdConfig& sgd)
      : context_(context),
        batch_(batch),
        network_(context, arch, Network::choose_micro_batch(context, arch, batch)),
        buffers_(context, network_, batch),
        step_stream_(context),
        update_stream_(context),
        predictor_(network_) {
    update_stream_.begin();
    update_stream_.barrier();  // the gradients written by the previous submission
    network_.record_update(update_stream_, buffers_.lr, sgd);
    update_stream_.end();
  }
  ParameterSet& parameters() override { return network_; }
  void initialize(std::uint64_t seed) override { network_.initialize(seed); }
  std::size_t parameter_count() const override { return network_.parameter_count(); }
  std::string device_name() const override { return context_.info().name; }
  int micro_batch() const override { return network_.micro_batch(); }
  void prepare(std::span<const float> images, std::span<const std::int32_t> labels, const net::StepKey& key) override {
    std::memcpy(buffers_.images_staging.mapped(), images.data(), images.size_bytes());
    std::memcpy(buffers_.labels_staging.mapped(), labels.data(), labels.size_bytes());
    step_stream_.begin();
    step_stream_.barrier();  // the previous step's reads of the input buffers finish before they are rewritten
    step_stream_.copy(buffers_.images_staging, buffers_.images);
    step_stream_.copy(buffers_.labels_staging, buffers_.labels);
    step_stream_.barrier();
    network_.record_train_gradients(step_stream_, buffers_.images, buffers_.labels, batch_, key, buffers_.loss,
                                    buffers_.probs);
    step_stream_.copy(buffers_.loss, buffers_.loss_readback);
    step_stream_.copy(buffers_.probs, buffers_.probs_readback);
    step_stream_.end();
  }
  void submit() override {
    if (lose_device_) {
      lose_device_ = false;
      throw vkrt::DeviceLostError("vkQueueSubmit: VK_ERROR_DEVICE_LOST (simulated by ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP)",
                                  VK_ERROR_DEVICE_LOST);
    }
    step_stream_.submit();
  }
  void wait() override { step_stream_.wait(); }
  std::span<const float> loss() const override { return buffers_.loss_readback.host_span<float>().first(batch_); }
  std::span<const float> probs() const override {
    return buffers_.probs_readback.host_span<float>().first(std::size_t(batch_) * network_.arch().classes);
  }
  void update(float lr) override {
    *static_cast<float*>(buffers_.lr.mapped()) = lr;
    update_stream_.submit();
    update_stream_.wait();
  }
  std::string locate_non_finite(const net::StepKey& key, std::size_t sample) override {
    return network_.locate_non_finite(buffers_.images, buffers_.labels, batch_, key, sample);
  }
  Predictor& predictor() override { return predictor_; }
  void simulate_device_lost() override { lose_device_ = true; }

 private:
  vkrt::Context& context_;
  int batch_;
  Network network_;
  StepBuffers buffers_;
  vkrt::Stream step_stream_, update_stream_;
  Predictor predictor_;
  bool lose_device_ = false;
};

// Two devices: SplitNetwork runs the whole step (its submissions and the host's exchanges) in
// submit(); its update is one submission per device.
class TwoDeviceEngine : public StepEngine {
 public:
  TwoDeviceEngine(vkrt::Context& first, vkrt::Context& second, const Arch& arch, int batch, const SgdConfig& sgd)
      : sgd_(sgd),
        network_(first, second, arch, std::min(Network::choose_micro_batch(first, arch, batch),
                                               Network::choose_micro_batch(second, arch, batch)),
                 batch),
        loss_(batch),
        probs_(std::size_t(batch) * arch.classes),
        predictor_(network_) {}
  ParameterSet& parameters() override { return network_; }
  void initialize(std::uint64_t seed) override { network_.initialize(seed); }
  std::size_t parameter_count() const override { return network_.parameter_count(); }
  std::string device_name() const override { return network_.device_names(); }
  int micro_batch() const override { return network_.micro_batch(); }
  void prepare(std::span<const float> images, std::span<const std::int32_t> labels, const net::StepKey& key) override {
    images_ = images;  // the trainer keeps the batch alive until wait()
    labels_ = labels;
    key_ = key;
  }
  void submit() override { network_.train_gradients(images_, labels_, key_, loss_, probs_); }
  void wait() override {}
  std::span<const float> loss() const override { return loss_; }
  std::span<const float> probs() const override { return probs_; }
  void update(float lr) override { network_.update(lr, sgd_); }
  std::string locate_non_finite(const net::StepKey&, std::size_t) override {
    const auto infos = network_.parameter_infos();
    for (std::size_t i = 0; i < infos.size(); ++i)
      for (auto part : {ParameterPart::Value, ParameterPart::Momentum})
        for (float v : network_.read_parameter(i, part))
          if (!std::isfinite(v))
            return "the parameter " + infos[i].name + (part == ParameterPart::Momentum ? ".momentum" : "") +
                   " (before this step: an earlier update was not finite)";
    return "a layer's output (a two-device run does not locate it further: resume on one device to)";
  }
  Predictor& predictor() override { return predictor_; }
  void simulate_device_lost() override { network_.simulate_device_lost(1); }

 private:
  SgdConfig sgd_;
  SplitNetwork network_;
  std::span<const float> images_;
  std::span<const std::int32_t> labels_;
  std::vector<float> loss_, probs_;
  net::StepKey key_;
  Predictor predictor_;
};

}  // namespace

std::unique_ptr<StepEngine> make_one_device_engine(vkrt::Context& context, const Arch& arch, int batch,
                                                   const SgdConfig& sgd) {
  return std::make_unique<OneDeviceEngine>(context, arch, batch, sgd);
}

std::unique_ptr<StepEngine> make_two_device_engine(vkrt::Context& first, vkrt::Context& second, const Arch& arch,
                                                   int batch, const SgdConfig& sgd) {
  return std::make_unique<TwoDeviceEngine>(first, second, arch, batch, sgd);
}

}  // namespace alexnet
