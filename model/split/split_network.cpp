#include "model/split/split_network.h"

#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>

#include "model/split/half.h"
#include "runtime/error.h"
#include "runtime/transfer.h"

namespace alexnet {
namespace {

const vkrt::Buffer& part_of(const net::Parameter& p, ParameterPart part) {
  return part == ParameterPart::Value ? p.value : part == ParameterPart::Momentum ? p.momentum : p.grad;
}

}  // namespace

SplitNetwork::SplitNetwork(vkrt::Context& first, vkrt::Context& second, const Arch& arch, int micro_batch, int batch)
    : arch_(arch), micro_batch_(micro_batch), batch_(batch), contexts_{&first, &second} {
  if (micro_batch < 1 || batch % micro_batch != 0)
    throw std::invalid_argument("batch " + std::to_string(batch) + " is not a multiple of the micro-batch " +
                                std::to_string(micro_batch));
  std::vector<split::NodeSpec> specs = split::plan(arch);
  exchange_ = std::make_unique<vkrt::HostExchange>(first, second);
  split::assign_slots(specs, micro_batch, *exchange_);
  for (int d = 0; d < 2; ++d)
    halves_[d] = std::make_unique<split::Half>(*contexts_[d], d, arch_, specs, micro_batch, batch, *exchange_);
}

SplitNetwork::~SplitNetwork() {
  // Nothing may still wait for an exchange when the devices are destroyed.
  if (exchange_) exchange_->abandon();
}

std::size_t SplitNetwork::input_count() const {
  return std::size_t(arch_.in_channels) * arch_.in_size * arch_.in_size;
}

std::size_t SplitNetwork::parameter_count() const {
  std::size_t total = 0;
  for (const auto& info : parameter_infos()) total += info.count;
  return total;
}

std::string SplitNetwork::device_names() const {
  return contexts_[0]->info().name + " + " + contexts_[1]->info().name;
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
  static const bool serial = [] {
    const char* v = std::getenv("ALEXNET_VK_SPLIT_SERIAL");
    return v && std::string(v) == "1";
  }();
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
  last_submissions_ = recorder(0).segments();
  last_train_ = train;
}

std::array<double, 2> SplitNetwork::idle_ms() const {
  std::array<double, 2> out{};
  for (int d = 0; d < 2; ++d) out[d] = (last_train_ ? halves_[d]->train_recorder : halves_[d]->infer_recorder).idle_ms();
  return out;
}

void SplitNetwork::train_gradients(std::span<const float> images, std::span<const std::int32_t> labels,
                                   const net::StepKey& key, std::span<float> loss, std::span<float> probs) {
  const std::size_t b = batch_, classes = arch_.classes;
  if (images.size() != b * input_count() || labels.size() != b || loss.size() < b || probs.size() < b * classes)
    throw std::invalid_argument("split step: buffers do not match batch " + std::to_string(batch_));
  std::vector<int> slots[2];
  for (int d = 0; d < 2; ++d) {
    split::Half& h = *halves_[d];
    std::memcpy(h.images_staging.mapped(), images.data(), images.size_bytes());
    std::memcpy(h.labels_staging.mapped(), labels.data(), labels.size_bytes());
    h.record_step(h.train_recorder, batch_, key, slots[d]);
  }
  if (slots[0] != slots[1]) throw std::logic_error("split step: the devices recorded different exchanges");
  run(true, slots[0]);
  std::memcpy(loss.data(), halves_[0]->loss_readback.mapped(), b * sizeof(float));
  std::memcpy(probs.data(), halves_[0]->probs_readback.mapped(), b * classes * sizeof(float));
}

void SplitNetwork::update(float lr, const SgdConfig& sgd) {
  // Recorded once per SGD configuration; the learning rate lives in a buffer.
  const bool record = !update_sgd_ || update_sgd_->momentum != sgd.momentum ||
                      update_sgd_->weight_decay != sgd.weight_decay;
  update_sgd_ = sgd;
  for (auto& h : halves_) {
    *static_cast<float*>(h->lr.mapped()) = lr;
    if (record) h->record_update(h->update_stream, sgd);
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
}

void SplitNetwork::infer(std::span<const float> images, std::span<float> probs) {
  const std::size_t mb = micro_batch_, classes = arch_.classes;
  if (images.size() != mb * input_count() || probs.size() < mb * classes)
    throw std::invalid_argument("split inference: expected one micro-batch");
  if (infer_slots_.empty()) {
    std::vector<int> slots[2];
    for (int d = 0; d < 2; ++d) halves_[d]->record_inference(halves_[d]->infer_recorder, slots[d]);
    if (slots[0] != slots[1]) throw std::logic_error("split inference: the devices recorded different exchanges");
    infer_slots_ = slots[0];
  }
  for (auto& h : halves_) std::memcpy(h->images_staging.mapped(), images.data(), images.size_bytes());
  run(false, infer_slots_);
  std::memcpy(probs.data(), halves_[0]->probs_readback.mapped(), mb * classes * sizeof(float));
}

std::array<SplitNetwork::DeviceMemory, 2> SplitNetwork::device_memory() const {
  std::array<DeviceMemory, 2> out;
  for (int d = 0; d < 2; ++d) {
    out[d].device = contexts_[d]->info().name;
    for (const auto* p : halves_[d]->parameters()) out[d].parameter_bytes += 3 * p->count * sizeof(float);
    const auto stats = contexts_[d]->allocator().stats();
    const split::Half& h = *halves_[d];
    std::uint64_t io = 0;  // the step's input and output buffers, which a one-device Network does not own
    for (const vkrt::Buffer* b : {&h.images_staging, &h.labels_staging, &h.images, &h.labels, &h.loss, &h.probs,
                                  &h.loss_readback, &h.probs_readback, &h.lr})
      io += b->size();
    out[d].activation_bytes = h.activation_bytes();
    out[d].exchange_bytes = exchange_->staging_bytes(d);
    out[d].scratch_bytes = stats.bytes_in_use - out[d].parameter_bytes - io - out[d].activation_bytes - out[d].exchange_bytes;
    out[d].peak_bytes = stats.peak_in_use;
  }
  return out;
}

std::uint64_t SplitNetwork::exchanged_bytes() const { return exchange_->bytes_per_step(); }

}  // namespace alexnet
