#include "model/graph/network.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "model/layers/activation_layer.h"
#include "model/layers/conv_layer.h"
#include "model/layers/dropout_layer.h"
#include "model/layers/fc_layer.h"
#include "model/layers/lrn_layer.h"
#include "model/layers/pool_layer.h"
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

std::string gib(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (std::uint64_t(1) << 30)) std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  else std::snprintf(text, sizeof text, "%.0f MiB", static_cast<double>(bytes) / (1ull << 20));
  return text;
}

// The heap the allocator's choice of memory type lands in for these flags (runtime/memory.cpp:
// the first type with all `required` flags, preferring one that also has `preferred`).
std::uint32_t heap_for(const vkrt::Context& context, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) {
  const auto& props = context.memory_properties();
  int fallback = -1;
  for (std::uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    const auto flags = props.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return props.memoryTypes[i].heapIndex;
    if (fallback < 0) fallback = static_cast<int>(i);
  }
  return fallback < 0 ? 0 : props.memoryTypes[fallback].heapIndex;
}

// The part of an estimate that lands in each heap, and whether all of it fits in `share` of each.
struct HeapFit {
  std::uint32_t device_heap, host_heap;
  std::uint64_t device_need, host_need, device_size, host_size;
  bool fits(double share) const {
    if (device_heap == host_heap) return device_need + host_need <= share * static_cast<double>(device_size);
    return device_need <= share * static_cast<double>(device_size) && host_need <= share * static_cast<double>(host_size);
  }
};

HeapFit fit_of(const vkrt::Context& context, const MemoryEstimate& e) {
  const auto& heaps = context.memory_properties().memoryHeaps;
  HeapFit f;
  f.device_heap = heap_for(context, 0, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  f.host_heap = heap_for(context, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0);
  f.device_need = e.device_local;
  f.host_need = e.host_visible;
  f.device_size = heaps[f.device_heap].size;
  f.host_size = heaps[f.host_heap].size;
  return f;
}

// The largest power-of-two batch below `batch` whose estimate fits in 90% of every heap (the rest
// for scratch the estimate does not see and for fragmentation); 0 when not even 1 does.
int batch_that_fits(const vkrt::Context& context, const Arch& arch, int batch) {
  int fits = 0;
  for (int b = 1; b < batch && b <= (1 << 24); b *= 2) {
    if (!fit_of(context, Network::estimate_memory(context, arch, b)).fits(0.9)) break;
    fits = b;
  }
  return fits;
}

// "batch 100000 needs at least 58.1 GiB (micro-batch 40), llvmpipe has 2.0 GiB; try --batch 8"
std::string advice(const vkrt::Context& context, const Arch& arch, int batch) {
  const MemoryEstimate e = Network::estimate_memory(context, arch, batch);
  const HeapFit f = fit_of(context, e);
  std::string text = "batch " + std::to_string(batch) + " needs at least ";
  if (f.device_heap == f.host_heap || f.host_need <= f.host_size) {
    text += gib(f.device_heap == f.host_heap ? e.total() : e.device_local) + " (micro-batch " +
            std::to_string(e.micro_batch) + "), " + context.info().name + " has " + gib(f.device_size);
  } else {
    text += gib(e.host_visible) + " of host-visible memory for staging, " + context.info().name + " has " +
            gib(f.host_size);
  }
  const int fits = batch_that_fits(context, arch, batch);
  if (fits > 0) text += "; try --batch " + std::to_string(fits);
  else text += "; the network does not fit on this device even at batch 1";
  return text;
}

}  // namespace

Network::Network(vkrt::Context& context, const Arch& arch, int micro_batch)
    : context_(context), arch_(arch), micro_batch_(micro_batch), loss_op_(context, arch.classes), sgd_op_(context) {
  if (micro_batch < 1) throw std::invalid_argument("micro-batch must be positive");
  net::Shape3 shape{arch.in_channels, arch.in_size, arch.in_size};
  auto add = [&](std::unique_ptr<net::Layer> layer) {
    shape = layer->output_shape();
    layers_.push_back(std::move(layer));
  };
  const Activation act = arch.options.activation;
  for (const auto& c : arch.convs) {
    add(std::make_unique<net::ConvLayer>(context, c, shape, micro_batch, arch));
    add(std::make_unique<net::ActivationLayer>(context, c.name + ".act", act, shape));
    if (c.lrn && arch.options.lrn) add(std::make_unique<net::LrnLayer>(context, c.name + ".lrn", shape, micro_batch, arch.lrn));
    if (c.pool)
      add(std::make_unique<net::PoolLayer>(context, c.name + ".pool", shape, micro_batch, arch.pool_kernel(),
                                           arch.pool_stride()));
  }
  int features = static_cast<int>(shape.count());
  for (const auto& f : arch.fcs) {
    const int out = arch.fc_out(f);
    add(std::make_unique<net::FcLayer>(context, f.name, features, out, micro_batch, arch.weight_std_for(features),
                                         f.bias_init));
    if (f.hidden) {
      add(std::make_unique<net::ActivationLayer>(context, f.name + ".act", act, shape));
      if (arch.options.dropout > 0)
        add(std::make_unique<net::DropoutLayer>(context, f.name + ".dropout", shape, arch.options.dropout));
    }
    features = out;
  }

  // Activations: every layer that is not in place writes its own buffer, kept for backward.
  auto& allocator = context.allocator();
  std::size_t largest = input_count();
  for (const auto& layer : layers_) {
    const std::size_t bytes = layer->output_shape().count() * micro_batch * sizeof(float);
    largest = std::max(largest, layer->output_shape().count());
    if (layer->in_place()) {
      output_buffer_.push_back(-1);
    } else {
      output_buffer_.push_back(static_cast<int>(activations_.size()));
      activations_.push_back(allocator.allocate(bytes, vkrt::Intent::DeviceLocal));
    }
  }
  grad_a_ = allocator.allocate(largest * micro_batch * sizeof(float), vkrt::Intent::DeviceLocal);
  grad_b_ = allocator.allocate(largest * micro_batch * sizeof(float), vkrt::Intent::DeviceLocal);
  logits_grad_ = allocator.allocate(std::size_t(arch.classes) * micro_batch * sizeof(float), vkrt::Intent::DeviceLocal);
  inference_labels_ = vkrt::upload<std::int32_t>(context, std::vector<std::int32_t>(micro_batch, 0));
  inference_loss_ = allocator.allocate(micro_batch * sizeof(float), vkrt::Intent::DeviceLocal);

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
  std::size_t total = grad_a_.size() + grad_b_.size() + logits_grad_.size();
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
  std::size_t total = grad_a_.size() + grad_b_.size() + logits_grad_.size();
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

net::LayerIO Network::io_for(std::size_t i, const vkrt::BufferRange& images, const net::StepKey& key,
                             std::uint64_t sample_offset) const {
  // The input of layer i is the output of the nearest earlier layer that owns a buffer.
  auto output_of = [&](std::size_t layer) -> vkrt::BufferRange {
    for (std::size_t j = layer + 1; j-- > 0;)
      if (output_buffer_[j] >= 0) return vkrt::BufferRange(activations_[output_buffer_[j]]);
    return images;
  };
  net::LayerIO io{i == 0 ? images : output_of(i - 1), output_of(i), {}, {}, micro_batch_, sample_offset, key};
  return io;
}

void Network::record_forward(vkrt::Stream& stream, const vkrt::BufferRange& images, const net::StepKey& key,
                             std::uint64_t sample_offset) {
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
                              float loss_scale, bool accumulate) {
  loss_op_.backward(stream, probs, labels, logits_grad_, static_cast<std::uint32_t>(micro_batch_), loss_scale);
  stream.barrier();
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
      marker.last = stream.timestamp();
      io.passes = &marker;
    }
    const std::size_t spans_before = profile_ ? profile_->size() : 0;
    layers_[i]->backward(stream, io, accumulate);
    stream.barrier();
    if (profile_ && profile_->size() == spans_before)
      profile_->push_back({layers_[i]->name() + " backward", marker.last, stream.timestamp()});
  }
}

void Network::record_update(vkrt::Stream& stream, const vkrt::Buffer& lr, const SgdConfig& sgd) {
  // The updates touch disjoint parameters: one barrier after all of them, except when profiling,
  // which times each layer's update apart.
  for (const auto& layer : layers_) {
    const auto params = layer->parameters();
    if (params.empty()) continue;
    const int t0 = profile_ ? stream.timestamp() : -1;
    for (auto* p : params)
      sgd_op_.update(stream, p->value, p->momentum, p->grad, lr, static_cast<std::uint32_t>(p->count), sgd.momentum,
                     sgd.weight_decay * p->weight_decay_mult);
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
                                     const vkrt::Buffer& probs) {
  if (batch % micro_batch_ != 0)
    throw std::invalid_argument("batch " + std::to_string(batch) + " is not a multiple of the micro-batch " +
                                std::to_string(micro_batch_));
  const std::size_t mb = micro_batch_, in = input_count(), classes = arch_.classes;
  for (int round = 0; round < batch / micro_batch_; ++round) {
    const std::size_t first = round * mb;
    const vkrt::BufferRange x(images, first * in * 4, mb * in * 4);
    const vkrt::BufferRange y(labels, first * 4, mb * 4);
    const vkrt::BufferRange l(loss, first * 4, mb * 4);
    const vkrt::BufferRange p(probs, first * classes * 4, mb * classes * 4);
    record_forward(stream, x, key, first);
    record_loss(stream, y, l, p);
    record_backward(stream, x, y, p, key, first, 1.0f / static_cast<float>(batch), round > 0);
  }
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
  const vkrt::BufferRange x(images, first * in * 4, mb * in * 4);
  vkrt::Stream stream(context_);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    stream.begin();
    stream.barrier();  // the previous submission's writes, visible to this one
    layers_[i]->forward(stream, io_for(i, x, key, first));
    stream.end();
    stream.submit_and_wait();
    const std::size_t count = mb * layers_[i]->output_shape().count();
    int owner = -1;
    for (std::size_t j = i + 1; j-- > 0 && owner < 0;) owner = output_buffer_[j];
    const auto values = owner >= 0 ? vkrt::read<float>(context_, activations_[owner], count)
                                   : vkrt::read<float>(context_, images, count, first * in);
    if (!all_finite(values)) return "layer " + layers_[i]->name() + " (its forward output; its input is finite)";
  }
  auto probs = context_.allocator().allocate(mb * classes * sizeof(float), vkrt::Intent::DeviceLocal);
  stream.begin();
  stream.barrier();
  record_loss(stream, vkrt::BufferRange(labels, first * 4, mb * 4), inference_loss_, probs);
  stream.end();
  stream.submit_and_wait();
  if (!all_finite(vkrt::read<float>(context_, inference_loss_, mb))) {
    const auto logits = vkrt::read<float>(context_, activations_[output_buffer_.back()], mb * classes);
    float largest = 0;
    for (float v : logits) largest = std::max(largest, std::fabs(v));
    char text[160];
    std::snprintf(text, sizeof text, "the loss layer (softmax cross-entropy of finite logits; the largest |logit| is %.3g)",
                  static_cast<double>(largest));
    return text;
  }
  return "no layer on a second pass (the step did not repeat: a device or driver fault?)";
}

MemoryEstimate Network::estimate_memory(const vkrt::Context& context, const Arch& arch, int batch) {
  // Walks the layers as the constructor does. Floats per sample: every buffer a layer owns
  // (outputs; LRN's scale and max-pool's argmax, the same size as their outputs) and the
  // largest activation, for the two gradient buffers.
  const std::uint64_t in = std::uint64_t(arch.in_channels) * arch.in_size * arch.in_size;
  std::uint64_t owned = 0, largest = in;
  int size = arch.in_size;
  for (const auto& c : arch.convs) {
    size = (size + c.pad + c.pad_end - c.kernel) / c.stride + 1;
    const std::uint64_t count = std::uint64_t(c.out) * size * size;
    owned += count;
    largest = std::max(largest, count);
    if (c.lrn && arch.options.lrn) owned += 2 * count;
    if (c.pool) {
      size = (size - arch.pool_kernel()) / arch.pool_stride() + 1;
      owned += 2 * std::uint64_t(c.out) * size * size;
    }
  }
  for (const auto& f : arch.fcs) {
    owned += arch.fc_out(f);
    largest = std::max<std::uint64_t>(largest, arch.fc_out(f));
  }
  MemoryEstimate e;
  e.batch = batch;
  e.micro_batch = choose_micro_batch(context, arch, batch);
  const std::uint64_t mb = e.micro_batch, b = batch, classes = arch.classes, f = sizeof(float);
  e.device_local = arch.parameter_count() * 3 * f                // value, gradient, momentum
                   + (owned + 2 * largest + classes + 2) * mb * f  // activations, gradients, loss op
                   + b * (in + 2 + classes) * f;                   // the step's images, labels, loss, probs
  e.host_visible = b * (in + 2 + classes) * f + f;                 // their staging / readback, lr
  return e;
}

void Network::check_memory(const vkrt::Context& context, const Arch& arch, int batch) {
  if (!fit_of(context, estimate_memory(context, arch, batch)).fits(1.0))
    throw vkrt::OutOfMemoryError("out of device memory: " + advice(context, arch, batch), VK_ERROR_OUT_OF_DEVICE_MEMORY);
}

std::string Network::memory_advice(const vkrt::Context& context, const Arch& arch, int batch) {
  return advice(context, arch, batch);
}

void Network::record_inference(vkrt::Stream& stream, const vkrt::Buffer& images, int batch, const vkrt::Buffer& probs) {
  if (batch % micro_batch_ != 0) throw std::invalid_argument("inference batch must be a multiple of the micro-batch");
  const std::size_t mb = micro_batch_, in = input_count(), classes = arch_.classes;
  net::StepKey key;
  key.train = false;
  for (int round = 0; round < batch / micro_batch_; ++round) {
    const std::size_t first = round * mb;
    record_forward(stream, vkrt::BufferRange(images, first * in * 4, mb * in * 4), key, first);
    // Labels are unknown at inference: the loss is computed against class 0 and ignored.
    record_loss(stream, inference_labels_, inference_loss_,
                vkrt::BufferRange(probs, first * classes * 4, mb * classes * 4));
  }
}

int Network::choose_micro_batch(const vkrt::Context& context, const Arch& arch, int batch,
                                std::size_t max_activation_bytes) {
  // Largest per-sample activation (conv1's output dominates) and all of them together.
  std::size_t largest = std::size_t(arch.in_channels) * arch.in_size * arch.in_size, total = 0;
  int size = arch.in_size;
  for (const auto& c : arch.convs) {
    size = (size + c.pad + c.pad_end - c.kernel) / c.stride + 1;
    const std::size_t count = std::size_t(c.out) * size * size;
    largest = std::max(largest, count);
    total += count * 3;  // conv output, LRN output and scale, roughly
    if (c.pool) size = (size - arch.pool_kernel()) / arch.pool_stride() + 1;
  }
  const std::size_t range = context.limits().maxStorageBufferRange;
  for (int mb = batch; mb >= 1; --mb) {
    if (batch % mb != 0) continue;
    if (largest * mb * sizeof(float) <= range && total * mb * sizeof(float) <= max_activation_bytes) return mb;
  }
  return 1;
}

}  // namespace alexnet
