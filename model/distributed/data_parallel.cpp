#include "model/distributed/data_parallel.h"

#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <vector>

namespace alexnet::distributed {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

GradientExchange::GradientExchange(ParameterSet& parameters, Communicator& comm, std::size_t bucket_bytes)
    : parameters_(parameters), comm_(comm), infos_(parameters.parameter_infos()) {
  std::size_t total = 0, first = 0, bytes = 0;
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    total += infos_[i].count;
    bytes += infos_[i].count * sizeof(float);
    if (bytes >= bucket_bytes || i + 1 == infos_.size()) {
      buckets_.emplace_back(first, i + 1);
      first = i + 1;
      bytes = 0;
    }
  }
  flat_.resize(total);
}

ExchangeStats GradientExchange::reduce() {
  ExchangeStats stats;
  std::size_t offset = 0;
  std::vector<std::size_t> starts;
  auto t = Clock::now();
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    const auto g = parameters_.read_parameter(i, ParameterPart::Gradient);
    std::copy(g.begin(), g.end(), flat_.begin() + offset);
    starts.push_back(offset);
    offset += g.size();
  }
  starts.push_back(offset);
  stats.readback_ms = ms_since(t);
  t = Clock::now();
  for (const auto& [first, last] : buckets_)
    comm_.allreduce_sum(std::span(flat_).subspan(starts[first], starts[last] - starts[first]));
  stats.allreduce_ms = ms_since(t);
  t = Clock::now();
  for (std::size_t i = 0; i < infos_.size(); ++i)
    parameters_.write_parameter(i, ParameterPart::Gradient, std::span(flat_).subspan(starts[i], infos_[i].count));
  stats.write_ms = ms_since(t);
  stats.bytes = offset * sizeof(float);
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
