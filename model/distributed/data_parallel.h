// Data parallelism's work on the parameters: every rank's gradients summed (each rank's is its
// share of the step's mean, model/model.h: StepShare, so the sum is the whole step's gradient),
// the weights sent from rank 0 at the start, and a checksum that turns ranks whose weights have
// drifted apart into an error.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/distributed/communicator.h"
#include "model/model.h"

namespace alexnet::distributed {

// What one step's gradient exchange cost.
struct ExchangeStats {
  double readback_ms = 0;   // device gradients to the host (without a mirror; with one, the device copies)
  double allreduce_ms = 0;  // from the first bucket's sum started to the last one's finished
  double exposed_ms = 0;    // of that, what the step waited for after its backward pass and agreement
  double write_ms = 0;      // the sums back to the device (without a mirror; with one, the update copies)
  std::uint64_t bytes = 0;  // fp32 gradient bytes each rank reduced
  std::size_t buckets = 0;
  std::size_t early = 0;    // buckets started while the device was still on the backward pass
};

// Sums the gradients over the ranks in buckets of consecutive layers' tensors (about bucket_bytes
// each, a layer's tensors never apart), formed from the last layer to the first: the order the
// backward pass finishes them. With a model that mirrors its gradients into host memory
// (Model::mirror_gradients: the one-device layout), each bucket's MPI_Iallreduce starts as soon as
// the device has copied it there, while the device works on the layers before, and the update
// applies the sums straight from that memory. Otherwise the gradients travel device -> host ->
// MPI -> device after the backward pass (finish()). A step, as the trainer drives it:
//   submit_gradients -> start_during_backward -> wait -> (agreement: start_rest first) -> finish -> update
// Every rank must start the same sums in the same order, whatever happened to it: a rank that
// failed during the step starts the rest (start_rest) before the agreement, and after an agreed
// failure every rank discards its sums (discard) before it stops.
class GradientExchange {
 public:
  GradientExchange(Model& model, Communicator& comm, std::size_t bucket_bytes = std::size_t(1) << 20);
  bool overlapped() const { return mirrored_; }
  std::size_t buckets() const { return buckets_.size(); }

  // Between submit_gradients and wait(): starts each bucket's sum once the device has made it,
  // moving the started ones on while it waits for the next, until every bucket has started.
  // Nothing without a mirror. Throws vkrt::DeviceLostError when the device is lost.
  void start_during_backward();
  // Starts the sums not started yet (with zeros: nobody will apply them), so that this rank's
  // collectives match the others' after a failure during the step.
  void start_rest();
  // Waits for every sum (without a mirror: reads, sums and writes back whole tensors now).
  ExchangeStats finish();
  // After an agreed failure: waits for the sums started, discarding them.
  void discard();

 private:
  std::span<float> flat(std::size_t bucket);
  void start_bucket(std::span<float> values, bool early);
  bool progress();  // true when every sum started has finished
  void forget_step();
  ExchangeStats reduce_whole_tensors();

  Model& model_;
  Communicator& comm_;
  std::vector<ParameterInfo> infos_;
  std::vector<ParameterRange> buckets_;  // the last parameters first
  std::vector<std::size_t> starts_;      // per tensor: its first float in flat_ (and the total)
  std::vector<float> flat_;              // every gradient (without a mirror), or start_rest's zeros
  bool mirrored_ = false;
  // This step's sums: started so far, in flight, and when.
  std::vector<std::unique_ptr<Communicator::PendingSum>> pending_;
  std::vector<bool> finished_;
  std::size_t early_ = 0;
  std::chrono::steady_clock::time_point first_start_, last_done_;
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
