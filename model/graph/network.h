// AlexNet on one Vulkan device: the layers of an Arch, their parameters, and the activation and
// gradient buffers for one micro-batch. A training step of `batch` images is recorded as
// batch / micro_batch rounds of forward, loss and backward (parameter gradients accumulate across
// rounds) followed by one SGD update, all into one command buffer. Micro-batches keep every
// activation inside the device's maxStorageBufferRange (128 MiB on lavapipe and many mobile GPUs)
// and bound activation memory; the result equals one pass over the whole batch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/graph/memory_estimate.h"
#include "model/graph/round_slices.h"
#include "model/ops/dropout.h"
#include "model/ops/gemm/gemm_path.h"
#include "model/ops/loss_scale.h"
#include "model/ops/precision.h"
#include "model/ops/to_half.h"
#include "model/ops/softmax_xent.h"
#include "model/ops/sgd.h"
#include "model/layers/layer.h"
#include "model/graph/parameter_set.h"
#include "runtime/context.h"

namespace alexnet {

// The paper's init for one tensor, drawing from `rng` in order: N(0, init_std) when init_std > 0,
// else init_value everywhere. Network::initialize and SplitNetwork::initialize both use it, so one
// seed gives the same network on one device or two.
std::vector<float> initial_values(std::mt19937_64& rng, std::size_t count, float init_std, float init_value);

class Network : public ParameterSet {
 public:
  // precision (model/ops/precision.h): fp16 stores every layer's output and gradient in 16 bits;
  // the images stay fp32 where they are staged and each micro-batch's are converted to an fp16
  // input first (ToHalfOp). Parameters, their gradients and momentum are fp32 in both. At fp16
  // the loss gradient is multiplied by the loss scale (set_loss_scale), the step's parameter
  // gradients are checked for non-finite values on the device (gradients_overflowed), and the
  // update divides by the scale again.
  // gemm_path: the product path of every convolution and fully connected layer (make_layer).
  Network(vkrt::Context& context, const Arch& arch, int micro_batch, Precision precision = Precision::Fp32,
          GemmPath gemm_path = GemmPath::Auto);
  ~Network();

  const Arch& arch() const { return arch_; }
  vkrt::Context& context() { return context_; }
  int micro_batch() const { return micro_batch_; }
  Precision precision() const { return precision_; }
  std::size_t input_count() const;  // floats per sample: C * H * W
  std::vector<net::Parameter*> parameters();
  std::size_t parameter_count() const;
  const std::vector<std::unique_ptr<net::Layer>>& layers() const { return layers_; }

  // ParameterSet
  std::vector<ParameterInfo> parameter_infos() const override;
  std::vector<float> read_parameter(std::size_t i, ParameterPart part) override;
  void write_parameter(std::size_t i, ParameterPart part, std::span<const float> values) override;

  // Writes the dropout key (seed, step) the next submitted step draws its masks from; recordings
  // read it when they run, so one recording serves every step.
  void set_step_key(const net::StepKey& key) { dropout_key_.set(key.seed, key.step); }
  // The recorded training steps cover samples [first_sample, first_sample + batch) of a step of
  // step_batch samples (model/model.h: StepShare); by default a step is the recorded batch.
  void set_step_share(std::uint64_t first_sample, int step_batch) {
    first_sample_ = first_sample;
    step_batch_ = step_batch;
  }

  // Dynamic loss scaling (fp16 only; std::logic_error at fp32): the scale the next submitted
  // steps multiply the loss gradient by and the update divides by (a recording reads it when it
  // runs), and whether the gradients of the last step waited for held a NaN or an infinity.
  // clear_overflow() before each step's submission.
  void set_loss_scale(float scale);
  void clear_overflow();
  bool gradients_overflowed() const;

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
  // Where a backward pass is cut into separate submissions, so that the host learns early when the
  // later layers' gradients are final (data parallelism: model/graph/gradient_mirror.h): after the
  // backward of each layer in `after_layers` (descending), `next(k)` ends the part recorded so far
  // (cut k) and returns the stream the rest is recorded into.
  struct BackwardCuts {
    std::vector<std::size_t> after_layers;
    std::function<vkrt::Stream&(std::size_t cut)> next;
  };
  void record_backward(vkrt::Stream& stream, const vkrt::BufferRange& images, const vkrt::BufferRange& labels,
                       const vkrt::BufferRange& probs, const net::StepKey& key, std::uint64_t sample_offset,
                       float loss_scale, bool accumulate, const BackwardCuts* cuts = nullptr,
                       bool last_round = true);
  void record_update(vkrt::Stream& stream, const vkrt::Buffer& lr, const SgdConfig& sgd);
  // A training step without its update: every micro-batch round's forward, loss and backward,
  // leaving the step's parameter gradients in place. record_train_step is this + record_update.
  // With `cuts`, the last round's backward is cut there (the parameter gradients are final only
  // after the last round). fp16: the last round checks each layer's gradients for overflow right
  // after its backward, in the same part of a cut pass, so every part's flag writes are done when
  // the host reads the flag.
  void record_train_gradients(vkrt::Stream& stream, const vkrt::Buffer& images, const vkrt::Buffer& labels, int batch,
                              const net::StepKey& key, const vkrt::Buffer& loss, const vkrt::Buffer& probs,
                              const BackwardCuts* cuts = nullptr);
  // The layer whose parameters include parameter i (parameter_infos() order).
  std::size_t layer_of_parameter(std::size_t i) const;

  // For the error report after a step whose loss was not finite, before its update (the device
  // still holds the step's inputs and the weights it started from): where the first NaN or
  // infinity appears. Checks the parameters, then the input images and each layer's output of the
  // micro-batch holding `sample`, re-running its forward pass one layer per submission, then its
  // loss. Returns a phrase such as "the output of conv2.lrn (its input is finite)". Slow; for
  // error reports only.
  std::string locate_non_finite(const vkrt::Buffer& images, const vkrt::Buffer& labels, int batch,
                                const net::StepKey& key, std::size_t sample);

  // The first parameter (in layer order) holding a NaN or an infinity in its value or its momentum,
  // or "" when all are finite. Reads every parameter back.
  std::string first_non_finite_parameter();

  // When set, each layer's passes record a timestamp pair into this list (for `alexnet_vk bench`),
  // labelled "<layer> forward", "<layer> backward-data", "<layer> backward-weight" (weight and
  // bias gradients), "<layer> backward" (a layer without parameters) and "<layer> update".
  struct TimedSpan {
    std::string label;
    int begin, end;
  };
  void set_profile(std::vector<TimedSpan>* spans) { profile_ = spans; }

  // The buffer holding `layer`'s output (micro_batch, output count) after a forward pass: its own,
  // or that of the nearest earlier layer when it works in place; its elements are stored in
  // precision() (fp16: 2 bytes each). Throws std::invalid_argument for an unknown name.
  const vkrt::Buffer& output_buffer(const std::string& layer) const;

  // Device memory this network holds (parameters, their gradients and momentum, activations).
  std::size_t device_bytes() const;
  // Of that, the activations: every layer's output, the gradient buffers, and the state layers
  // keep for backward (LRN's scale, max-pool's argmax). Kernel scratch is not counted.
  std::size_t activation_bytes() const;

 private:
  net::LayerIO io_for(std::size_t layer, const vkrt::BufferRange& images, const net::StepKey& key,
                      std::uint64_t sample_offset) const;
  // The first layer's input for a micro-batch of `images`: the images themselves, or at fp16
  // their fp16 copy (which record_forward writes first).
  vkrt::BufferRange network_input(const vkrt::BufferRange& images) const;
  // `count` activations of `buffer` from element `first`, widened to floats.
  std::vector<float> read_activations(const vkrt::Buffer& buffer, std::size_t count, std::size_t first = 0);
  const LossScaleBuffer& loss_scale() const;

  vkrt::Context& context_;
  Arch arch_;
  int micro_batch_;
  Precision precision_;
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
  // fp16 only: the input conversion and its output (micro_batch, C, H, W), the loss scale and
  // the overflow check.
  std::optional<ToHalfOp> to_half_;
  vkrt::Buffer input_half_;
  std::optional<LossScaleBuffer> loss_scale_;
  std::optional<NonFiniteCheckOp> overflow_check_;
  // Where each micro-batch round's slices of the step buffers are bound (round_slices.h).
  std::optional<RoundSlices> rounds_;
  DropoutKeyBuffer dropout_key_;
  std::uint64_t first_sample_ = 0;  // set_step_share
  int step_batch_ = 0;
};

}  // namespace alexnet
