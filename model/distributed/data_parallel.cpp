#include "model/distributed/data_parallel.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <vector>

namespace alexnet::distributed {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// "fc6" of "fc6.weight": a layer's tensors share a bucket.
std::string layer_of(const std::string& tensor) { return tensor.substr(0, tensor.rfind('.')); }

}  // namespace

GradientExchange::GradientExchange(Model& model, Communicator& comm, std::size_t bucket_bytes)
    : model_(model), comm_(comm), infos_(model.parameter_infos()) {
  // From the last tensor to the first, closing a bucket at a layer's end once it is large enough.
  std::size_t last = infos_.size(), bytes = 0, total = 0;
  for (std::size_t i = infos_.size(); i-- > 0;) {
    bytes += infos_[i].count * sizeof(float);
    total += infos_[i].count;
    const bool layer_starts_here = i == 0 || layer_of(infos_[i - 1].name) != layer_of(infos_[i].name);
    if (i == 0 || (layer_starts_here && bytes >= bucket_bytes)) {
      buckets_.push_back({i, last});
      last = i;
      bytes = 0;
    }
  }
  starts_.push_back(0);
  for (const auto& info : infos_) starts_.push_back(starts_.back() + info.count);
  flat_.resize(total);
  mirrored_ = comm.size() > 1 && model.mirror_gradients(buckets_);
}

std::span<float> GradientExchange::flat(std::size_t bucket) {
  const auto [first, last] = buckets_[bucket];
  return std::span(flat_).subspan(starts_[first], starts_[last] - starts_[first]);
}

void GradientExchange::start_bucket(std::span<float> values, bool early) {
  if (pending_.empty()) first_start_ = Clock::now();
  pending_.push_back(comm_.start_sum(values));
  finished_.push_back(false);
  early_ += early;
}

bool GradientExchange::progress() {
  bool all = true;
  for (std::size_t b = 0; b < pending_.size(); ++b) {
    if (finished_[b]) continue;
    finished_[b] = pending_[b]->test();
    if (finished_[b]) last_done_ = Clock::now();
    all = all && finished_[b];
  }
  return all;
}

void GradientExchange::start_during_backward() {
  if (!mirrored_) return;
  while (pending_.size() < buckets_.size()) {
    const std::size_t b = pending_.size();
    // The sums in flight move on only inside MPI calls: wake often while there are any.
    const bool in_flight = !progress();
    const auto values = model_.mirrored_gradients(b, in_flight ? 0.2 : 20.0);
    if (values.empty()) continue;
    const bool early = b + 1 < buckets_.size() && model_.mirrored_gradients(buckets_.size() - 1, 0).empty();
    start_bucket(values, early);
  }
}

void GradientExchange::start_rest() {
  if (!mirrored_) return;
  for (std::size_t b = pending_.size(); b < buckets_.size(); ++b) {
    const auto zeros = flat(b);
    std::fill(zeros.begin(), zeros.end(), 0.0f);
    start_bucket(zeros, false);
  }
}

ExchangeStats GradientExchange::finish() {
  if (!mirrored_) return reduce_whole_tensors();
  ExchangeStats stats;
  const auto t = Clock::now();
  if (!progress()) {
    for (auto& p : pending_) p->wait();
    last_done_ = Clock::now();
  }
  stats.exposed_ms = ms_since(t);
  stats.allreduce_ms = std::chrono::duration<double, std::milli>(last_done_ - first_start_).count();
  stats.bytes = flat_.size() * sizeof(float);
  stats.buckets = buckets_.size();
  stats.early = early_;
  forget_step();
  return stats;
}

void GradientExchange::discard() {
  try {
    for (auto& p : pending_) p->wait();
  } catch (const DistributedError&) {
    // A rank that stopped: the failure already agreed on is the one to report.
  }
  forget_step();
}

void GradientExchange::forget_step() {
  pending_.clear();
  finished_.clear();
  early_ = 0;
}

ExchangeStats GradientExchange::reduce_whole_tensors() {
  ExchangeStats stats;
  auto t = Clock::now();
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    const auto g = model_.read_parameter(i, ParameterPart::Gradient);
    std::copy(g.begin(), g.end(), flat_.begin() + starts_[i]);
  }
  stats.readback_ms = ms_since(t);
  t = Clock::now();
  for (std::size_t b = 0; b < buckets_.size(); ++b) comm_.allreduce_sum(flat(b));
  stats.allreduce_ms = stats.exposed_ms = ms_since(t);
  t = Clock::now();
  for (std::size_t i = 0; i < infos_.size(); ++i)
    model_.write_parameter(i, ParameterPart::Gradient, std::span(flat_).subspan(starts_[i], infos_[i].count));
  stats.write_ms = ms_since(t);
  stats.exposed_ms += stats.readback_ms + stats.write_ms;
  stats.bytes = flat_.size() * sizeof(float);
  stats.buckets = buckets_.size();
  return stats;
}

void broadcast_parameters(ParameterSet& parameters, Communicator& comm, int root) {
  if (comm.size() == 1) return;
  const auto infos = parameters.parameter_infos();
  for (std::size_t i = 0; i < infos.size(); ++i)
    for (auto part : {ParameterPart::Value, ParameterPart::Momentum}) {
      auto values = parameters.read_parameter(i, part);
      comm.broadcast(std::span<float>(values), root);
      if (comm.rank() != root) parameters.write_parameter(i, part, values);
    }
}

std::uint64_t parameter_checksum(ParameterSet& parameters) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  const auto infos = parameters.parameter_infos();
  for (std::size_t i = 0; i < infos.size(); ++i)
    for (auto part : {ParameterPart::Value, ParameterPart::Momentum}) {
      const auto values = parameters.read_parameter(i, part);
      XXH3_64bits_update(state, values.data(), values.size() * sizeof(float));
    }
  const std::uint64_t sum = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return sum;
}

void check_ranks_agree(ParameterSet& parameters, Communicator& comm, const std::string& when) {
  if (comm.size() == 1) return;
  const auto sums = comm.allgather(parameter_checksum(parameters));
  // Every rank sees the same sums; rank 0 speaks for all, so the error is agreed and printed once.
  std::optional<Failure> diverged;
  for (int r = 1; r < comm.size() && comm.rank() == 0 && !diverged; ++r)
    if (sums[r] != sums[0]) {
      char text[200];
      std::snprintf(text, sizeof text,
                    "the weights of rank %d differ from rank 0's %s (checksum %016llx, rank 0 has %016llx): the ranks "
                    "diverged",
                    r, when.c_str(), static_cast<unsigned long long>(sums[r]), static_cast<unsigned long long>(sums[0]));
      diverged = Failure{0, FailureKind::Error, text};
    }
  if (const auto f = comm.first_failure(diverged)) throw DistributedError(f->message);
}

std::string build_fingerprint() {
  std::ifstream exe("/proc/self/exe", std::ios::binary);
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  std::vector<char> chunk(1 << 20);
  while (exe.read(chunk.data(), chunk.size()) || exe.gcount() > 0) XXH3_64bits_update(state, chunk.data(), exe.gcount());
  char text[64];
  std::snprintf(text, sizeof text, "%s (executable %016llx)", ALEXNET_VK_VERSION,
                static_cast<unsigned long long>(XXH3_64bits_digest(state)));
  XXH3_freeState(state);
  return text;
}

}  // namespace alexnet::distributed
