#include "model/split/split_network.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>

#include "model/graph/memory_estimate.h"
#include "model/graph/network.h"
#include "model/split/half.h"
#include "runtime/error.h"
#include "runtime/environment.h"
#include "runtime/transfer.h"

namespace alexnet {
namespace {

const vkrt::Buffer& part_of(const net::Parameter& p, ParameterPart part) {
  return part == ParameterPart::Value ? p.value : part == ParameterPart::Momentum ? p.momentum : p.grad;
}

int micro_batch_for(vkrt::Context& first, vkrt::Context& second, const Arch& arch, const ModelOptions& options) {
  if (options.micro_batch) return options.micro_batch;
  return std::min(choose_micro_batch(first, arch, options.batch), choose_micro_batch(second, arch, options.batch));
}

}  // namespace

SplitNetwork::SplitNetwork(vkrt::Context& first, vkrt::Context& second, const Arch& arch, const ModelOptions& options)
    : arch_(arch),
      micro_batch_(micro_batch_for(first, second, arch, options)),
      batch_(options.batch),
      train_(options.train),
      sgd_(options.sgd),
      contexts_{&first, &second} {
  if (micro_batch_ < 1 || batch_ % micro_batch_ != 0)
    throw std::invalid_argument("batch " + std::to_string(batch_) + " is not a multiple of the micro-batch " +
                                std::to_string(micro_batch_));
  std::vector<split::NodeSpec> specs = split::plan(arch);
  exchange_ = std::make_unique<vkrt::HostExchange>(first, second);
  split::assign_slots(specs, micro_batch_, *exchange_);
  const int buffered = train_ ? batch_ : micro_batch_;  // images the step buffers hold
  for (int d = 0; d < 2; ++d) {
    halves_[d] = std::make_unique<split::Half>(*contexts_[d], d, arch_, specs, micro_batch_, buffered, *exchange_,
                                                  options.gemm_path);
    halves_[d]->first_sample = options.share.first_sample;
    halves_[d]->step_batch = options.share.step_batch;
  }
}

SplitNetwork::~SplitNetwork() {
  // Nothing may still wait for an exchange when the devices are destroyed.
  if (exchange_) exchange_->abandon();
}

std::vector<std::string> SplitNetwork::device_names() const {
  return {contexts_[0]->info().name, contexts_[1]->info().name};
}

std::vector<ParameterInfo> SplitNetwork::parameter_infos() const {
  const auto a = halves_[0]->parameters(), b = halves_[1]->parameters();
  std::vector<ParameterInfo> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ParameterInfo info{a[i]->name, a[i]->shape, a[i]->count + b[i]->count};
    info.shape[0] += b[i]->shape[0];  // the halves stack along the first dimension
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<float> SplitNetwork::read_parameter(std::size_t i, ParameterPart part) {
  std::vector<float> out;
  for (int d = 0; d < 2; ++d) {
    const net::Parameter& p = *halves_[d]->parameters().at(i);
    const auto half = vkrt::read<float>(*contexts_[d], part_of(p, part), p.count);
    out.insert(out.end(), half.begin(), half.end());
  }
  return out;
}

void SplitNetwork::write_parameter(std::size_t i, ParameterPart part, std::span<const float> values) {
  const net::Parameter& p0 = *halves_[0]->parameters().at(i);
  const net::Parameter& p1 = *halves_[1]->parameters().at(i);
  if (values.size() != p0.count + p1.count) throw std::invalid_argument("write_parameter: wrong size for " + p0.name);
  vkrt::write<float>(*contexts_[0], part_of(p0, part), values.first(p0.count));
  vkrt::write<float>(*contexts_[1], part_of(p1, part), values.subspan(p0.count));
}

void SplitNetwork::initialize(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto infos = parameter_infos();
  const auto halves = halves_[0]->parameters();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    write_parameter(i, ParameterPart::Value, initial_values(rng, infos[i].count, halves[i]->init_std, halves[i]->init_value));
    write_parameter(i, ParameterPart::Momentum, std::vector<float>(infos[i].count, 0.0f));
  }
}

void SplitNetwork::run(bool train, const std::vector<int>& slots) {
  if (simulated_lost_device_ >= 0) {
    const int d = simulated_lost_device_;
    simulated_lost_device_ = -1;
    throw vkrt::DeviceLostError("device " + std::to_string(d) + " (" + contexts_[d]->info().name +
                                    "): vkQueueSubmit: VK_ERROR_DEVICE_LOST (simulated by ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP)",
                                VK_ERROR_DEVICE_LOST);
  }
  exchange_->reset_counters();
  exchange_->begin_step(static_cast<int>(slots.size()));
  auto recorder = [&](int d) -> split::Recorder& {
    return train ? halves_[d]->train_recorder : halves_[d]->infer_recorder;
  };
  int device = 0;  // the device whose call failed, for the message
  const bool serial = vkrt::switches().split_serial;
  try {
    if (serial) {  // one segment at a time, relaying between (see Recorder::submit_through)
      for (device = 0; device < 2; ++device) recorder(device).reset_progress();
      for (std::size_t k = 0; k < slots.size(); ++k) {
        for (device = 0; device < 2; ++device) recorder(device).submit_through(*exchange_, device, static_cast<int>(k));
        device = -1;
        exchange_->relay(static_cast<int>(k), slots[k]);
      }
      for (device = 0; device < 2; ++device) recorder(device).submit_through(*exchange_, device, -1);
    } else {
      for (device = 0; device < 2; ++device) recorder(device).submit(*exchange_, device);
      for (std::size_t k = 0; k < slots.size(); ++k) {
        device = -1;
        exchange_->relay(static_cast<int>(k), slots[k]);
      }
      for (device = 0; device < 2; ++device) recorder(device).wait();
    }
  } catch (const vkrt::Error& e) {
    exchange_->abandon();
    const std::string who = device >= 0 ? "device " + std::to_string(device) + " (" + contexts_[device]->info().name + ")"
                                        : "an exchange between the devices";
    if (dynamic_cast<const vkrt::DeviceLostError*>(&e)) throw vkrt::DeviceLostError(who + ": " + e.what(), e.result());
    throw vkrt::Error(who + ": " + e.what(), e.result());
  }
}


void SplitNetwork::note_stats(bool train, std::size_t extra_submissions) {
  stats_ = {};
  stats_.submissions = (train ? halves_[0]->train_recorder : halves_[0]->infer_recorder).segments() + extra_submissions;
  stats_.exchanged_bytes = exchange_->bytes_per_step();
  for (int d = 0; d < 2; ++d)
    stats_.exchange_wait_ms.push_back((train ? halves_[d]->train_recorder : halves_[d]->infer_recorder).idle_ms());
}

void SplitNetwork::stage(const HostBatch& batch) {
  if (!train_) throw std::logic_error("this model was opened for inference only");
  const std::size_t values = batch.pixels.empty() ? batch.images.size() : batch.pixels.size();
  if (batch.labels.size() != std::size_t(batch_) || values != std::size_t(batch_) * input_count())
    throw std::invalid_argument("a training batch must hold " + std::to_string(batch_) + " images, got " +
                                std::to_string(batch.labels.size()));
  // The split runs a step to its end before returning, so one staging slot serves.
  for (auto& h : halves_) h->io.stage({batch.images, batch.pixels, batch.mean, batch.scale}, batch.labels);
}

void SplitNetwork::submit_gradients(const net::StepKey& key) {
  if (!train_) throw std::logic_error("this model was opened for inference only");
  const InputKind kind = halves_[0]->io.pending_kind();
  if (train_slots_.empty() || kind != recorded_kind_) {  // recorded once per input kind: the batch and
    recorded_kind_ = kind;                                 // the dropout key live in buffers
    train_slots_.clear();
    std::vector<int> slots[2];
    for (int d = 0; d < 2; ++d) halves_[d]->record_step(halves_[d]->train_recorder, batch_, key, slots[d]);
    if (slots[0] != slots[1]) throw std::logic_error("split step: the devices recorded different exchanges");
    train_slots_ = slots[0];
  }
  for (auto& h : halves_) h->dropout_key.set(key.seed, key.step);
  run(true, train_slots_);
  note_stats(true, 0);
}

std::span<const float> SplitNetwork::loss() const { return halves_[0]->io.loss_values(batch_); }

std::span<const float> SplitNetwork::probs() const { return halves_[0]->io.prob_values(batch_); }

void SplitNetwork::update(float lr) {
  if (!update_recorded_) {  // once: the learning rate lives in a buffer
    for (auto& h : halves_) h->record_update(h->update_stream, sgd_);
    update_recorded_ = true;
  }
  for (auto& h : halves_) {
    h->io.set_lr(lr);
    h->update_stream.submit();
  }
  for (int d = 0; d < 2; ++d) {
    try {
      halves_[d]->update_stream.wait();
    } catch (const vkrt::DeviceLostError& e) {
      throw vkrt::DeviceLostError("device " + std::to_string(d) + " (" + contexts_[d]->info().name + "): " + e.what(),
                                  e.result());
    }
  }
  stats_.submissions += 1;
}

void SplitNetwork::run_step(const net::StepKey& key, float lr) {
  submit_gradients(key);
  update(lr);
}

void SplitNetwork::infer(std::span<const float> images, std::span<float> probs) {
  const std::size_t mb = micro_batch_, classes = arch_.classes;
  if (images.size() != mb * input_count() || probs.size() < mb * classes)
    throw std::invalid_argument("inference takes one micro-batch of " + std::to_string(mb) + " images");
  if (infer_slots_.empty()) {
    std::vector<int> slots[2];
    for (int d = 0; d < 2; ++d) halves_[d]->record_inference(halves_[d]->infer_recorder, slots[d]);
    if (slots[0] != slots[1]) throw std::logic_error("split inference: the devices recorded different exchanges");
    infer_slots_ = slots[0];
  }
  for (auto& h : halves_) h->io.stage({images, {}, {}, {}}, {});
  run(false, infer_slots_);
  note_stats(false, 0);
  const auto values = halves_[0]->io.prob_values(micro_batch_);
  std::copy(values.begin(), values.end(), probs.begin());
}

void SplitNetwork::infer_features(std::span<const float> images, const std::string& layer, std::span<float> features,
                                  std::span<float> probs) {
  const std::size_t mb = micro_batch_, total = feature_count(layer);
  if (features.size() < mb * total) throw std::invalid_argument("infer_features: the output span is too small");
  infer(images, probs);
  // Each device holds its channels (or units) of every sample; the one-device layout puts device
  // 0's part of a sample before device 1's.
  std::array<std::vector<float>, 2> parts;
  std::array<std::size_t, 2> per_sample{};
  for (int d = 0; d < 2; ++d) {
    const auto [buffer, count] = halves_[d]->output_of_node(layer);
    per_sample[d] = count;
    parts[d] = vkrt::read<float>(*contexts_[d], *buffer, mb * count);
  }
  if (per_sample[0] + per_sample[1] != total) throw std::logic_error("split features: the halves do not add up");
  for (std::size_t s = 0; s < mb; ++s) {
    std::copy_n(parts[0].begin() + s * per_sample[0], per_sample[0], features.begin() + s * total);
    std::copy_n(parts[1].begin() + s * per_sample[1], per_sample[1], features.begin() + s * total + per_sample[0]);
  }
}

std::vector<DeviceMemory> SplitNetwork::memory() const {
  std::vector<DeviceMemory> out(2);
  for (int d = 0; d < 2; ++d) {
    out[d].device = contexts_[d]->info().name;
    for (const auto* p : halves_[d]->parameters()) out[d].parameter_bytes += 3 * p->count * sizeof(float);
    const auto stats = contexts_[d]->allocator().stats();
    const split::Half& h = *halves_[d];
    out[d].activation_bytes = h.activation_bytes();
    out[d].exchange_bytes = exchange_->staging_bytes(d);
    out[d].io_bytes = h.io.bytes();
    const std::uint64_t known = out[d].parameter_bytes + out[d].io_bytes + out[d].activation_bytes + out[d].exchange_bytes;
    out[d].scratch_bytes = stats.bytes_in_use - std::min<std::uint64_t>(stats.bytes_in_use, known);
    out[d].peak_bytes = stats.peak_in_use;
  }
  return out;
}

std::size_t SplitNetwork::recordings() const {
  std::size_t total = 0;
  for (const auto& h : halves_) total += h->train_recorder.recordings() + h->infer_recorder.recordings() + (update_recorded_ ? 1 : 0);
  return total;
}

std::string SplitNetwork::locate_non_finite(const net::StepKey&, std::size_t) {
  const auto infos = parameter_infos();
  for (std::size_t i = 0; i < infos.size(); ++i)
    for (auto part : {ParameterPart::Value, ParameterPart::Momentum})
      for (float v : read_parameter(i, part))
        if (!std::isfinite(v))
          return "the parameter " + infos[i].name + (part == ParameterPart::Momentum ? ".momentum" : "") +
                 " (before this step: an earlier update was not finite)";
  return "a layer's output (a two-device run does not locate it further: resume on one device to)";
}

}  // namespace alexnet
