// Data parallelism's work on the parameters: every rank's gradients summed (each rank's is its
// share of the step's mean, model/model.h: StepShare, so the sum is the whole step's gradient),
// the weights sent from rank 0 at the start, and a checksum that turns ranks whose weights have
// drifted apart into an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/distributed/communicator.h"
#include "model/graph/parameter_set.h"

namespace alexnet::distributed {

// What one gradient exchange cost.
struct ExchangeStats {
  double readback_ms = 0;   // device gradients to the host
  double allreduce_ms = 0;  // MPI_Allreduce of every bucket
  double write_ms = 0;      // the sums back to the device
  std::uint64_t bytes = 0;  // fp32 gradient bytes each rank reduced
  std::size_t buckets = 0;
};

// Sums the gradients over the ranks in buckets of consecutive tensors (about bucket_bytes each;
// a larger tensor is a bucket of its own). The gradients travel device -> host -> MPI -> device
// after the backward pass has finished: there is no overlap with the backward pass (a
// ParameterSet reads whole tensors after the step; docs/results/data-parallel.md says what
// overlap would take).
class GradientExchange {
 public:
  GradientExchange(ParameterSet& parameters, Communicator& comm, std::size_t bucket_bytes = std::size_t(4) << 20);
  ExchangeStats reduce();

 private:
  ParameterSet& parameters_;
  Communicator& comm_;
  std::vector<ParameterInfo> infos_;
  std::vector<std::pair<std::size_t, std::size_t>> buckets_;  // [first, last) tensor indices
  std::vector<float> flat_;                                   // every gradient, in tensor order
};

// Every parameter's value and momentum from `root` to every rank.
void broadcast_parameters(ParameterSet& parameters, Communicator& comm, int root = 0);

// XXH3 of every parameter's value and momentum, bit for bit.
std::uint64_t parameter_checksum(ParameterSet& parameters);

// Compares the ranks' parameter checksums; throws DistributedError on every rank (an agreed
// failure: Communicator::first_failure) naming the first rank whose weights differ from rank 0's,
// `when` ("after step 12").
void check_ranks_agree(ParameterSet& parameters, Communicator& comm, const std::string& when);

// What identifies this build for the start-up handshake: the version and a hash of the executable.
std::string build_fingerprint();

}  // namespace alexnet::distributed
