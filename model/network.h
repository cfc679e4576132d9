// AlexNet on one Vulkan device: the layers of an Arch, their parameters, and the activation and
// gradient buffers for one micro-batch. A training step of `batch` images is recorded as
// batch / micro_batch rounds of forward, loss and backward (parameter gradients accumulate across
// rounds) followed by one SGD update, all into one command buffer. Micro-batches keep every
// activation inside the device's maxStorageBufferRange (128 MiB on lavapipe and many mobile GPUs)
// and bound activation memory; the result equals one pass over the whole batch.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/arch.h"
#include "model/layers/softmax_xent.h"
#include "model/layers/sgd.h"
#include "model/net/layer.h"
#include "runtime/context.h"

namespace alexnet {

struct SgdConfig {
  float momentum = 0.9f;
  float weight_decay = 5e-4f;
};

class Network {
 public:
  Network(vkrt::Context& context, const Arch& arch, int micro_batch);
  ~Network();

  const Arch& arch() const { return arch_; }
  vkrt::Context& context() { return context_; }
  int micro_batch() const { return micro_batch_; }
  std::size_t input_count() const;  // floats per sample: C * H * W
  std::vector<net::Parameter*> parameters();
  std::size_t parameter_count() const;
  const std::vector<std::unique_ptr<net::Layer>>& layers() const { return layers_; }

  // The paper's init: weights N(0, arch.weight_std), biases 1 for conv2/4/5 and fc6/7, else 0;
  // momentum zero. Deterministic in `seed`.
  void initialize(std::uint64_t seed);

  // Records one training step over `batch` samples (a multiple of micro_batch).
  //   images: (batch, C, H, W)   labels: (batch) int32   lr: (1) float
  //   loss: (batch) per-sample loss   probs: (batch, classes)
  void record_train_step(vkrt::Stream& stream, const vkrt::Buffer& images, const vkrt::Buffer& labels, int batch,
                         const net::StepKey& key, const vkrt::Buffer& lr, const SgdConfig& sgd,
                         const vkrt::Buffer& loss, const vkrt::Buffer& probs);
  // Records inference over `batch` samples (a multiple of micro_batch): probs (batch, classes).
  void record_inference(vkrt::Stream& stream, const vkrt::Buffer& images, int batch, const vkrt::Buffer& probs);

  // Pieces of a step, for tests and benchmarks. Ranges cover one micro-batch.
  void record_forward(vkrt::Stream& stream, const vkrt::BufferRange& images, const net::StepKey& key,
                      std::uint64_t sample_offset);
  void record_loss(vkrt::Stream& stream, const vkrt::BufferRange& labels, const vkrt::BufferRange& loss,
                   const vkrt::BufferRange& probs);
  void record_backward(vkrt::Stream& stream, const vkrt::BufferRange& images, const vkrt::BufferRange& labels,
                       const vkrt::BufferRange& probs, const net::StepKey& key, std::uint64_t sample_offset,
                       float loss_scale, bool accumulate);
  void record_update(vkrt::Stream& stream, const vkrt::Buffer& lr, const SgdConfig& sgd);

  // When set, each layer's forward and backward records a timestamp pair labelled
  // "<layer> forward" / "<layer> backward" into this list (for `alexnet_vk bench`).
  struct TimedSpan {
    std::string label;
    int begin, end;
  };
  void set_profile(std::vector<TimedSpan>* spans) { profile_ = spans; }

  // Device memory this network holds (parameters, their gradients and momentum, activations).
  std::size_t device_bytes() const;

  // The largest micro-batch that divides `batch` and keeps every activation within the device's
  // storage-buffer range and within `max_activation_bytes`.
  static int choose_micro_batch(const vkrt::Context& context, const Arch& arch, int batch,
                                std::size_t max_activation_bytes = std::size_t(1) << 30);

 private:
  net::LayerIO io_for(std::size_t layer, const vkrt::BufferRange& images, const net::StepKey& key,
                      std::uint64_t sample_offset) const;

  vkrt::Context& context_;
  Arch arch_;
  int micro_batch_;
  std::vector<std::unique_ptr<net::Layer>> layers_;
  std::vector<int> output_buffer_;  // per layer: index into activations_, or -1 when in place of its input
  std::vector<vkrt::Buffer> activations_;
  vkrt::Buffer grad_a_, grad_b_;  // ping-pong gradient buffers, each the largest activation
  std::vector<int> grad_buffer_;  // per layer: which holds dy (0 = a, 1 = b)
  vkrt::Buffer logits_grad_;
  vkrt::Buffer inference_labels_, inference_loss_;
  std::vector<TimedSpan>* profile_ = nullptr;
  SoftmaxXentOp loss_op_;
  SgdOp sgd_op_;
};

}  // namespace alexnet
