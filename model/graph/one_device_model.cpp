#include "model/graph/one_device_model.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include "model/reference/half.h"
#include "runtime/error.h"
#include "runtime/context.h"

namespace alexnet {

OneDeviceModel::OneDeviceModel(vkrt::Context& context, const Arch& arch, const ModelOptions& options)
    : context_(context),
      bytes_before_(context.allocator().stats().bytes_in_use),
      batch_(options.batch),
      train_(options.train),
      sgd_(options.sgd),
      network_(context, arch,
               options.micro_batch ? options.micro_batch
                                   : choose_micro_batch(context, arch, options.batch, options.precision),
               options.precision, options.gemm_path),
      io_(context, options.train ? options.batch : network_.micro_batch(), arch.in_channels,
          std::size_t(arch.in_size) * arch.in_size, arch.classes),
      bytes_after_(context.allocator().stats().bytes_in_use),
      update_(context) {
  if (batch_ < 1 || batch_ % network_.micro_batch() != 0)
    throw std::invalid_argument("batch " + std::to_string(batch_) + " is not a multiple of the micro-batch " +
                                std::to_string(network_.micro_batch()));
  network_.set_step_share(options.share.first_sample, options.share.step_batch);
  if (train_) {
    begin(update_, false);
    update_.stream.barrier();  // the gradients written by the previous submission
    network_.record_update(update_.stream, io_.lr, sgd_);
    end(update_);
  }
}

OneDeviceModel::~OneDeviceModel() = default;

std::vector<std::string> OneDeviceModel::device_names() const { return {context_.info().name}; }

void OneDeviceModel::begin(Recording& r, bool profile) {
  r.spans.clear();
  network_.set_profile(profile ? &r.spans : nullptr);
  r.profiled = profile;
  r.stream.begin();
  ++recordings_;
}

void OneDeviceModel::end(Recording& r) {
  r.stream.end();
  network_.set_profile(nullptr);
  r.made = true;
}

bool OneDeviceModel::current(const Recording& r) const { return r.made && r.profiled == profiling_; }

void OneDeviceModel::require_training() const {
  if (!train_) throw std::logic_error("this model was opened for inference only");
}

void OneDeviceModel::throw_if_lost() {
  if (!lose_device_) return;
  lose_device_ = false;
  throw vkrt::DeviceLostError("vkQueueSubmit: VK_ERROR_DEVICE_LOST (simulated by ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP)",
                              VK_ERROR_DEVICE_LOST);
}

void OneDeviceModel::stage(const HostBatch& batch) {
  require_training();
  const std::size_t values = batch.pixels.empty() ? batch.images.size() : batch.pixels.size();
  if (batch.labels.size() != std::size_t(batch_) || values != std::size_t(batch_) * input_count())
    throw std::invalid_argument("a training batch must hold " + std::to_string(batch_) + " images, got " +
                                std::to_string(batch.labels.size()));
  io_.stage({batch.images, batch.pixels, batch.mean, batch.scale}, batch.labels);
}

OneDeviceModel::Recording& OneDeviceModel::recording(Recordings& all) {
  auto& r = all[{io_.pending_slot(), io_.pending_kind()}];
  if (!r) r = std::make_unique<Recording>(context_);
  return *r;
}

void OneDeviceModel::submit_gradients(const net::StepKey& key) {
  require_training();
  if (mirror_) return submit_mirrored(key);
  Recording& r = recording(gradients_);
  if (!current(r)) {
    begin(r, profiling_);
    r.stream.barrier();  // the previous step's reads of the input buffers finish first
    io_.record_upload(r.stream, io_.pending_slot(), io_.pending_kind(), batch_, true);
    network_.record_train_gradients(r.stream, io_.images, io_.labels, batch_, key, io_.loss, io_.probs);
    io_.record_readback(r.stream, batch_, true);
    end(r);
  }
  throw_if_lost();
  network_.set_step_key(key);
  if (network_.precision() == Precision::Fp16) network_.clear_overflow();
  r.stream.submit();
  in_flight_ = {&r};
  io_.advance();  // the next batch may be staged while this step runs
}

void OneDeviceModel::wait() {
  if (in_flight_.empty()) return;
  for (Recording* r : in_flight_) r->stream.wait();
  collect_profile(*in_flight_.front());
  stats_.submissions = in_flight_.size();
  in_flight_.clear();
}

void OneDeviceModel::update(float lr) {
  require_training();
  io_.set_lr(lr);
  Recording& r = mirror_ ? *mirrored_update_ : update_;
  r.stream.submit();
  r.stream.wait();
  ++stats_.submissions;
}

bool OneDeviceModel::mirror_gradients(const std::vector<ParameterRange>& groups) {
  require_training();
  if (!context_.timeline_semaphores()) return false;
  wait();
  mirror_ = std::make_unique<GradientMirror>(context_, network_, groups);
  mirrored_.clear();
  mirrored_update_ = std::make_unique<Recording>(context_);
  begin(*mirrored_update_, false);
  mirrored_update_->stream.barrier();  // after the gradients' own writes (the host's are visible at submission)
  mirror_->record_write_back(mirrored_update_->stream);
  mirrored_update_->stream.barrier();
  network_.record_update(mirrored_update_->stream, io_.lr, sgd_);
  end(*mirrored_update_);
  return true;
}

std::span<float> OneDeviceModel::mirrored_gradients(std::size_t group, double timeout_ms) {
  return mirror_ ? mirror_->ready(group, timeout_ms) : std::span<float>{};
}

void OneDeviceModel::submit_mirrored(const net::StepKey& key) {
  Parts& parts = mirrored_[{io_.pending_slot(), io_.pending_kind()}];
  const std::size_t count = profiling_ ? 1 : mirror_->parts().size();
  if (parts.size() != count || !current(*parts.front())) record_mirrored(parts, key);
  throw_if_lost();
  network_.set_step_key(key);
  if (network_.precision() == Precision::Fp16) network_.clear_overflow();
  mirror_->begin_step();
  in_flight_.clear();
  for (std::size_t p = 0; p < parts.size(); ++p) {
    parts[p]->stream.submit({}, parts.size() == 1 ? mirror_->signal_all() : mirror_->signal(p));
    in_flight_.push_back(parts[p].get());
  }
  io_.advance();
}

// Part 0: the upload, every round but the last and the last one's forward, loss and backward down
// to the first cut; then one part per cut; the last part ends with the loss readback. Each part
// copies the gradient groups it completed to the host.
void OneDeviceModel::record_mirrored(Parts& parts, const net::StepKey& key) {
  const std::size_t count = profiling_ ? 1 : mirror_->parts().size();
  parts.resize(count);
  for (auto& r : parts)
    if (!r) r = std::make_unique<Recording>(context_);
  begin(*parts[0], profiling_);
  parts[0]->stream.barrier();  // the previous step's reads of the input buffers finish first
  io_.record_upload(parts[0]->stream, io_.pending_slot(), io_.pending_kind(), batch_, true);
  Network::BackwardCuts cuts{mirror_->cut_layers(), [&](std::size_t k) -> vkrt::Stream& {
                               mirror_->record_copies(parts[k]->stream, k);
                               end(*parts[k]);
                               begin(*parts[k + 1], false);
                               return parts[k + 1]->stream;
                             }};
  network_.record_train_gradients(parts[0]->stream, io_.images, io_.labels, batch_, key, io_.loss, io_.probs,
                                  count > 1 ? &cuts : nullptr);
  Recording& last = *parts.back();
  for (std::size_t p = count - 1; p < mirror_->parts().size(); ++p) mirror_->record_copies(last.stream, p);
  io_.record_readback(last.stream, batch_, true);
  end(last);
}

void OneDeviceModel::run_step(const net::StepKey& key, float lr) {
  require_training();
  Recording& r = recording(fused_);
  if (!current(r)) {
    begin(r, profiling_);
    r.stream.barrier();
    io_.record_upload(r.stream, io_.pending_slot(), io_.pending_kind(), batch_, true);
    network_.record_train_gradients(r.stream, io_.images, io_.labels, batch_, key, io_.loss, io_.probs);
    network_.record_update(r.stream, io_.lr, sgd_);
    io_.record_readback(r.stream, batch_, true);
    end(r);
  }
  throw_if_lost();
  network_.set_step_key(key);
  if (network_.precision() == Precision::Fp16) network_.clear_overflow();
  io_.set_lr(lr);
  r.stream.submit_and_wait();
  collect_profile(r);
  stats_.submissions = 1;
}

void OneDeviceModel::infer(std::span<const float> images, std::span<float> probs) {
  const int mb = network_.micro_batch();
  const std::size_t classes = arch().classes;
  if (images.size() != std::size_t(mb) * input_count() || probs.size() < std::size_t(mb) * classes)
    throw std::invalid_argument("inference takes one micro-batch of " + std::to_string(mb) + " images");
  wait();  // a training step still in flight reads the device buffers inference writes
  io_.stage({images, {}, {}, {}}, {});
  Recording& r = recording(inference_);
  if (!current(r)) {
    begin(r, profiling_);
    r.stream.barrier();
    io_.record_upload(r.stream, io_.pending_slot(), InputKind::Floats, mb, false);
    network_.record_inference(r.stream, io_.images, mb, io_.probs);
    io_.record_readback(r.stream, mb, false);
    end(r);
  }
  r.stream.submit_and_wait();
  collect_profile(r);
  stats_.submissions = 1;
  const auto values = io_.prob_values(mb);
  std::copy(values.begin(), values.end(), probs.begin());
}

void OneDeviceModel::infer_features(std::span<const float> images, const std::string& layer,
                                    std::span<float> features, std::span<float> probs) {
  const std::size_t count = feature_count(layer) * network_.micro_batch();
  if (features.size() < count) throw std::invalid_argument("infer_features: the output span is too small");
  infer(images, probs);
  auto& copy = feature_copies_[layer];
  const bool half = network_.precision() == Precision::Fp16;  // the features are stored in fp16
  const std::size_t bytes = count * activation_bytes(network_.precision());
  if (!copy) {
    copy = std::make_unique<Recording>(context_);
    auto& readback = feature_readbacks_[layer] = context_.allocator().allocate(bytes, vkrt::Intent::Readback);
    begin(*copy, false);
    copy->stream.barrier();
    copy->stream.copy(vkrt::BufferRange(network_.output_buffer(layer), 0, bytes), readback);
    end(*copy);
  }
  copy->stream.submit_and_wait();
  if (half) {
    const auto bits = feature_readbacks_.at(layer).host_span<std::uint16_t>().first(count);
    for (std::size_t i = 0; i < count; ++i) features[i] = ref::half_to_float(bits[i]);
    return;
  }
  const auto values = feature_readbacks_.at(layer).host_span<float>().first(count);
  std::copy(values.begin(), values.end(), features.begin());
}

void OneDeviceModel::set_profiling(bool on) { profiling_ = on; }

void OneDeviceModel::collect_profile(const Recording& r) {
  stats_.layers.clear();
  stats_.gpu_ms = 0;
  if (!r.profiled) return;
  // Micro-batch rounds repeat every label: their times add up, listed in first-seen order.
  std::map<std::string, std::size_t> index;
  for (const auto& span : r.spans) {
    const double ms = r.stream.elapsed_ms(span.begin, span.end);
    auto [it, fresh] = index.try_emplace(span.label, stats_.layers.size());
    if (fresh) stats_.layers.push_back({span.label, 0});
    stats_.layers[it->second].ms += ms;
    stats_.gpu_ms += ms;
  }
}

std::vector<DeviceMemory> OneDeviceModel::memory() const {
  DeviceMemory m;
  m.device = device_name();
  m.parameter_bytes = parameter_count() * 3 * sizeof(float);
  m.activation_bytes = network_.activation_bytes();
  m.io_bytes = io_.bytes();
  const std::uint64_t mine = bytes_after_ - bytes_before_;
  m.scratch_bytes = mine - std::min(mine, m.parameter_bytes + m.activation_bytes + m.io_bytes);
  m.peak_bytes = context_.allocator().stats().peak_in_use;
  return {m};
}

std::string OneDeviceModel::locate_non_finite(const net::StepKey& key, std::size_t sample) {
  network_.set_step_key(key);  // the failed step's masks
  return network_.locate_non_finite(io_.images, io_.labels, batch_, key, sample);
}

}  // namespace alexnet
