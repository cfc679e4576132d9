#include "model/graph/network.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "model/layers/make_layer.h"
#include "model/reference/half.h"
#include "runtime/error.h"
#include "runtime/stream.h"
#include "runtime/transfer.h"

namespace alexnet {
namespace {

constexpr int kLogitsGrad = 2;

bool all_finite(const std::vector<float>& values) {
  for (float v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

Network::Network(vkrt::Context& context, const Arch& arch, int micro_batch, Precision precision, GemmPath gemm_path)
    : context_(context),
      arch_(arch),
      micro_batch_(micro_batch),
      precision_((require_precision(context, precision), precision)),
      loss_op_(context, arch.classes, precision),
      sgd_op_(context, 0, 4, precision == Precision::Fp16),
      dropout_key_(context) {
  if (micro_batch < 1) throw std::invalid_argument("micro-batch must be positive");
  for (const ArchNode& node : walk(arch_))
    layers_.push_back(net::make_layer(context, arch_, node, micro_batch, precision, gemm_path));

  // Activations: every layer that is not in place writes its own buffer, kept for backward.
  auto& allocator = context.allocator();
  const std::size_t element = alexnet::activation_bytes(precision);
  if (precision == Precision::Fp16) {
    to_half_.emplace(context);
    input_half_ = allocator.allocate(input_count() * micro_batch * element, vkrt::Intent::DeviceLocal);
    loss_scale_.emplace(context);
    overflow_check_.emplace(context);
  }
  std::size_t largest = input_count();
  for (const auto& layer : layers_) {
    const std::size_t bytes = layer->output_shape().count() * micro_batch * element;
    largest = std::max(largest, layer->output_shape().count());
    if (layer->in_place()) {
      output_buffer_.push_back(-1);
    } else {
      output_buffer_.push_back(static_cast<int>(activations_.size()));
      activations_.push_back(allocator.allocate(bytes, vkrt::Intent::DeviceLocal));
    }
  }
  grad_a_ = allocator.allocate(largest * micro_batch * element, vkrt::Intent::DeviceLocal);
  grad_b_ = allocator.allocate(largest * micro_batch * element, vkrt::Intent::DeviceLocal);
  logits_grad_ = allocator.allocate(std::size_t(arch.classes) * micro_batch * element, vkrt::Intent::DeviceLocal);
  inference_labels_ = vkrt::upload<std::int32_t>(context, std::vector<std::int32_t>(micro_batch, 0));
  inference_loss_ = allocator.allocate(micro_batch * sizeof(float), vkrt::Intent::DeviceLocal);
  rounds_.emplace(context, micro_batch, input_count(), arch.classes);

  // Gradient buffers, walking backward: the last layer's dy is the logits gradient; a layer that
  // is not in place writes dx into the ping-pong buffer its dy is not in.
  grad_buffer_.assign(layers_.size(), 0);
  int current = kLogitsGrad;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    grad_buffer_[i] = current;
    if (!layers_[i]->in_place()) current = current == 0 ? 1 : 0;
  }
}

Network::~Network() = default;

std::size_t Network::input_count() const {
  return std::size_t(arch_.in_channels) * arch_.in_size * arch_.in_size;
}

std::vector<net::Parameter*> Network::parameters() {
  std::vector<net::Parameter*> out;
  for (auto& layer : layers_)
    for (auto* p : layer->parameters()) out.push_back(p);
  return out;
}

std::size_t Network::parameter_count() const {
  std::size_t total = 0;
  for (const auto& layer : layers_)
    for (const auto* p : layer->parameters()) total += p->count;
  return total;
}

std::size_t Network::device_bytes() const {
  std::size_t total = grad_a_.size() + grad_b_.size() + logits_grad_.size() + input_half_.size();
  for (const auto& a : activations_) total += a.size();
  total += parameter_count() * 3 * sizeof(float);
  return total;
}

std::vector<float> initial_values(std::mt19937_64& rng, std::size_t count, float init_std, float init_value) {
  std::vector<float> values(count, init_value);
  if (init_std > 0) {
    // Box-Muller written out: std::normal_distribution's algorithm differs between standard
    // libraries, and a seed must give the same network everywhere.
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double u1 = (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
      const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      values[i] = static_cast<float>(init_std * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
    }
  }
  return values;
}

std::size_t Network::activation_bytes() const {
  std::size_t total = grad_a_.size() + grad_b_.size() + logits_grad_.size() + input_half_.size();
  for (const auto& a : activations_) total += a.size();
  for (const auto& layer : layers_) total += layer->state_bytes();
  return total;
}

void Network::initialize(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (auto* p : parameters()) {
    vkrt::write<float>(context_, p->value, initial_values(rng, p->count, p->init_std, p->init_value));
    vkrt::write<float>(context_, p->momentum, std::vector<float>(p->count, 0.0f));
  }
}

std::vector<ParameterInfo> Network::parameter_infos() const {
  std::vector<ParameterInfo> out;
  for (const auto& layer : layers_)
    for (const auto* p : layer->parameters()) out.push_back({p->name, p->shape, p->count});
  return out;
}

namespace {
const vkrt::Buffer& part_of(const net::Parameter& p, ParameterPart part) {
  return part == ParameterPart::Value ? p.value : part == ParameterPart::Momentum ? p.momentum : p.grad;
}
}  // namespace

std::vector<float> Network::read_parameter(std::size_t i, ParameterPart part) {
  const net::Parameter& p = *parameters().at(i);
  return vkrt::read<float>(context_, part_of(p, part), p.count);
}

void Network::write_parameter(std::size_t i, ParameterPart part, std::span<const float> values) {
  const net::Parameter& p = *parameters().at(i);
  if (values.size() != p.count) throw std::invalid_argument("write_parameter: wrong size for " + p.name);
  vkrt::write<float>(context_, part_of(p, part), values);
}

const vkrt::Buffer& Network::output_buffer(const std::string& layer) const {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i]->name() == layer) {
      for (std::size_t j = i + 1; j-- > 0;)
        if (output_buffer_[j] >= 0) return activations_[output_buffer_[j]];
    }
  throw std::invalid_argument("the network has no layer '" + layer + "' with an output buffer");
}

vkrt::BufferRange Network::network_input(const vkrt::BufferRange& images) const {
  return precision_ == Precision::Fp16 ? vkrt::BufferRange(input_half_) : images;
}

const LossScaleBuffer& Network::loss_scale() const {
  if (!loss_scale_) throw std::logic_error("loss scaling is for --precision fp16 only");
  return *loss_scale_;
}

void Network::set_loss_scale(float scale) {
  loss_scale();
  loss_scale_->set(scale);
}

void Network::clear_overflow() {
  loss_scale();
  loss_scale_->clear_flag();
}

bool Network::gradients_overflowed() const { return loss_scale().flag(); }

std::vector<float> Network::read_activations(const vkrt::Buffer& buffer, std::size_t count, std::size_t first) {
  if (precision_ == Precision::Fp32) return vkrt::read<float>(context_, buffer, count, first);
  return ref::from_half(vkrt::read<std::uint16_t>(context_, buffer, count, first));
}

net::LayerIO Network::io_for(std::size_t i, const vkrt::BufferRange& images_in, const net::StepKey& key,
                             std::uint64_t sample_offset) const {
  const vkrt::BufferRange images = network_input(images_in);
  // The input of layer i is the output of the nearest earlier layer that owns a buffer.
  auto output_of = [&](std::size_t layer) -> vkrt::BufferRange {
    for (std::size_t j = layer + 1; j-- > 0;)
      if (output_buffer_[j] >= 0) return vkrt::BufferRange(activations_[output_buffer_[j]]);
    return images;
  };
  net::LayerIO io{i == 0 ? images : output_of(i - 1), output_of(i), {}, {}, micro_batch_, sample_offset, key};
  io.key_buffer = vkrt::BufferRange(dropout_key_.buffer());
  return io;
}

void Network::record_forward(vkrt::Stream& stream, const vkrt::BufferRange& images, const net::StepKey& key,
                             std::uint64_t sample_offset) {
  if (to_half_) {
    to_half_->record(stream, images, input_half_, std::size_t(micro_batch_) * input_count());
    stream.barrier();
  }
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const int t0 = profile_ ? stream.timestamp() : -1;
    layers_[i]->forward(stream, io_for(i, images, key, sample_offset));
    stream.barrier();
    if (profile_) profile_->push_back({layers_[i]->name() + " forward", t0, stream.timestamp()});
  }
}

void Network::record_loss(vkrt::Stream& stream, const vkrt::BufferRange& labels, const vkrt::BufferRange& loss,
                          const vkrt::BufferRange& probs) {
  const auto logits = vkrt::BufferRange(activations_[output_buffer_.back()]);
  loss_op_.forward(stream, logits, labels, probs, loss, static_cast<std::uint32_t>(micro_batch_));
  stream.barrier();
}

void Network::record_backward(vkrt::Stream& stream, const vkrt::BufferRange& images, const vkrt::BufferRange& labels,
                              const vkrt::BufferRange& probs, const net::StepKey& key, std::uint64_t sample_offset,
                              float loss_scale, bool accumulate, const BackwardCuts* cuts, bool last_round) {
  const std::optional<vkrt::BufferRange> scale_range =
      loss_scale_ ? std::optional(loss_scale_->scale_range()) : std::nullopt;
  loss_op_.backward(stream, probs, labels, logits_grad_, static_cast<std::uint32_t>(micro_batch_), loss_scale,
                    scale_range ? &*scale_range : nullptr);
  stream.barrier();
  vkrt::Stream* s = &stream;  // the part being recorded (cuts move on to the next)
  std::size_t next_cut = 0;
  auto grad = [&](int which) -> vkrt::BufferRange {
    return which == 0 ? vkrt::BufferRange(grad_a_) : which == 1 ? vkrt::BufferRange(grad_b_) : vkrt::BufferRange(logits_grad_);
  };
  for (std::size_t i = layers_.size(); i-- > 0;) {
    auto io = io_for(i, images, key, sample_offset);
    io.dy = grad(grad_buffer_[i]);
    if (layers_[i]->in_place()) io.dx = io.dy;
    else if (i > 0) io.dx = grad(grad_buffer_[i] == 0 ? 1 : 0);
    // Profiling times each pass a layer marks apart (a barrier after each, so that the next pass
    // cannot overlap it) and labels what is left "backward".
    struct Marker : net::PassMarker {
      std::vector<TimedSpan>* spans;
      std::string layer;
      int last;
      void end_pass(vkrt::Stream& s, const char* pass) override {
        s.barrier();
        const int t = s.timestamp();
        spans->push_back({layer + " " + pass, last, t});
        last = t;
      }
    } marker;
    if (profile_) {
      marker.spans = profile_;
      marker.layer = layers_[i]->name();
      marker.last = s->timestamp();
      io.passes = &marker;
    }
    const std::size_t spans_before = profile_ ? profile_->size() : 0;
    layers_[i]->backward(*s, io, accumulate);
    s->barrier();
    if (overflow_check_ && last_round) {  // fp16: did this layer's scaled gradients overflow?
      for (auto* param : layers_[i]->parameters())
        overflow_check_->record(*s, param->grad, param->count, loss_scale_->flag_range());
      s->barrier();
    }
    if (profile_ && profile_->size() == spans_before)
      profile_->push_back({layers_[i]->name() + " backward", marker.last, s->timestamp()});
    for (; cuts && next_cut < cuts->after_layers.size() && cuts->after_layers[next_cut] == i; ++next_cut) {
      s = &cuts->next(next_cut);
      s->barrier();  // the part before, in submission order
    }
  }
}

void Network::record_update(vkrt::Stream& stream, const vkrt::Buffer& lr, const SgdConfig& sgd) {
  // The updates touch disjoint parameters: one barrier after all of them, except when profiling,
  // which times each layer's update apart.
  for (const auto& layer : layers_) {
    const auto params = layer->parameters();
    if (params.empty()) continue;
    const int t0 = profile_ ? stream.timestamp() : -1;
    const std::optional<vkrt::BufferRange> scale_range =
        loss_scale_ ? std::optional(loss_scale_->scale_range()) : std::nullopt;
    for (auto* p : params)
      sgd_op_.update(stream, p->value, p->momentum, p->grad, lr, static_cast<std::uint32_t>(p->count), sgd.momentum,
                     sgd.weight_decay * p->weight_decay_mult, scale_range ? &*scale_range : nullptr);
    if (profile_) {
      stream.barrier();
      profile_->push_back({layer->name() + " update", t0, stream.timestamp()});
    }
  }
  stream.barrier();
}

void Network::record_train_step(vkrt::Stream& stream, const vkrt::Buffer& images, const vkrt::Buffer& labels,
                                int batch, const net::StepKey& key, const vkrt::Buffer& lr, const SgdConfig& sgd,
                                const vkrt::Buffer& loss, const vkrt::Buffer& probs) {
  record_train_gradients(stream, images, labels, batch, key, loss, probs);
  record_update(stream, lr, sgd);
}

void Network::record_train_gradients(vkrt::Stream& stream, const vkrt::Buffer& images, const vkrt::Buffer& labels,
                                     int batch, const net::StepKey& key, const vkrt::Buffer& loss,
                                     const vkrt::Buffer& probs, const BackwardCuts* cuts) {
  if (batch % micro_batch_ != 0)
    throw std::invalid_argument("batch " + std::to_string(batch) + " is not a multiple of the micro-batch " +
                                std::to_string(micro_batch_));
  const StepBuffers step{&images, &labels, &loss, &probs};
  for (int round = 0; round < batch / micro_batch_; ++round) {
    const std::size_t first = round * std::size_t(micro_batch_);
    const RoundSlices::Round r = rounds_->begin(stream, step, first);
    const std::uint64_t sample = first_sample_ + first;  // in the whole step, for dropout
    record_forward(stream, r.images, key, sample);
    record_loss(stream, r.labels, r.loss, r.probs);
    rounds_->end(stream, r, step, first);
    const bool last = round + 1 == batch / micro_batch_;
    record_backward(stream, r.images, r.labels, r.probs, key, sample,
                    1.0f / static_cast<float>(step_batch_ ? step_batch_ : batch), round > 0, last ? cuts : nullptr,
                    last);
  }
}

std::size_t Network::layer_of_parameter(std::size_t i) const {
  for (std::size_t layer = 0; layer < layers_.size(); ++layer) {
    const std::size_t here = layers_[layer]->parameters().size();
    if (i < here) return layer;
    i -= here;
  }
  throw std::out_of_range("layer_of_parameter: no parameter " + std::to_string(i));
}

std::string Network::first_non_finite_parameter() {
  for (auto* p : parameters()) {
    if (!all_finite(vkrt::read<float>(context_, p->value, p->count))) return p->name;
    if (!all_finite(vkrt::read<float>(context_, p->momentum, p->count))) return p->name + ".momentum";
  }
  return "";
}

std::string Network::locate_non_finite(const vkrt::Buffer& images, const vkrt::Buffer& labels, int batch,
                                       const net::StepKey& key, std::size_t sample) {
  if (const std::string p = first_non_finite_parameter(); !p.empty())
    return "the parameter " + p + " (before this step: an earlier update was not finite)";
  const std::size_t mb = micro_batch_, in = input_count(), classes = arch_.classes;
  const std::size_t first = std::min<std::size_t>(sample, batch - 1) / mb * mb;
  if (!all_finite(vkrt::read<float>(context_, images, mb * in, first * in))) return "the input images";

  // Re-run this micro-batch's forward pass one layer per submission and read each output back
  // before a later in-place layer overwrites it. The weights are those the failed step started
  // from and the dropout masks depend only on (key, sample), so this repeats the step's forward.
  vkrt::Stream stream(context_);
  stream.begin();
  stream.barrier();
  const RoundSlices::Round r = rounds_->begin(stream, StepBuffers{&images, &labels, nullptr, nullptr}, first);
  const vkrt::BufferRange& x = r.images;
  if (to_half_) to_half_->record(stream, x, input_half_, mb * in);  // fp16: the first layer reads this copy
  stream.end();
  stream.submit_and_wait();
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    stream.begin();
    stream.barrier();  // the previous submission's writes, visible to this one
    layers_[i]->forward(stream, io_for(i, x, key, first_sample_ + first));
    stream.end();
    stream.submit_and_wait();
    const std::size_t count = mb * layers_[i]->output_shape().count();
    int owner = -1;
    for (std::size_t j = i + 1; j-- > 0 && owner < 0;) owner = output_buffer_[j];
    const auto values = owner >= 0 ? read_activations(activations_[owner], count)
                        : precision_ == Precision::Fp16 ? read_activations(input_half_, count)
                                                        : vkrt::read<float>(context_, images, count, first * in);
    if (!all_finite(values)) return "layer " + layers_[i]->name() + " (its forward output; its input is finite)";
  }
  auto probs = context_.allocator().allocate(mb * classes * sizeof(float), vkrt::Intent::DeviceLocal);
  stream.begin();
  stream.barrier();
  record_loss(stream, r.labels, inference_loss_, probs);
  stream.end();
  stream.submit_and_wait();
  if (!all_finite(vkrt::read<float>(context_, inference_loss_, mb))) {
    const auto logits = read_activations(activations_[output_buffer_.back()], mb * classes);
    float largest = 0;
    for (float v : logits) largest = std::max(largest, std::fabs(v));
    char text[160];
    std::snprintf(text, sizeof text, "the loss layer (softmax cross-entropy of finite logits; the largest |logit| is %.3g)",
                  static_cast<double>(largest));
    return text;
  }
  return "no layer on a second pass (the step did not repeat: a device or driver fault?)";
}

void Network::record_inference(vkrt::Stream& stream, const vkrt::Buffer& images, int batch, const vkrt::Buffer& probs) {
  if (batch % micro_batch_ != 0) throw std::invalid_argument("inference batch must be a multiple of the micro-batch");
  net::StepKey key;
  key.train = false;
  const StepBuffers step{&images, nullptr, nullptr, &probs};
  for (int round = 0; round < batch / micro_batch_; ++round) {
    const std::size_t first = round * std::size_t(micro_batch_);
    const RoundSlices::Round r = rounds_->begin(stream, step, first);
    record_forward(stream, r.images, key, first);
    // Labels are unknown at inference: the loss is computed against class 0 and ignored.
    record_loss(stream, inference_labels_, inference_loss_, r.probs);
    rounds_->end(stream, r, step, first);
  }
}

}  // namespace alexnet
