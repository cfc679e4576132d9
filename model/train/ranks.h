// The trainer's side of data parallelism (model/distributed/), so that each of the training run's
// hooks is one call: with one process every call is free and changes nothing.
//
// Each of N ranks trains on a disjoint 1/N of every global batch, at the same positions of the
// same epoch order as one process (the loader's shard), so a run does not depend on N: rank r
// takes samples [r*B/N, (r+1)*B/N) of each step, its dropout masks and loss normalised as one
// process's (model/model.h: StepShare). After each step's backward the ranks agree that all is
// well (or learn which rank failed and why), sum their gradients, and apply the same update.
// Rank 0 alone writes files and prints.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "model/data/dataset.h"
#include "model/distributed/communicator.h"
#include "model/distributed/data_parallel.h"
#include "model/metrics/tally.h"
#include "model/model.h"
#include "model/train/train_options.h"

namespace alexnet {

class Ranks {
 public:
  explicit Ranks(distributed::Communicator& comm) : comm_(comm) {}

  int rank() const { return comm_.rank(); }
  int size() const { return comm_.size(); }
  bool lead() const { return comm_.rank() == 0; }  // writes the run's files

  // Every rank must run the same build on the same options and data, and `batch` (the global
  // batch) must divide over the ranks: else DistributedError on every rank, one message.
  void handshake(const TrainOptions& options, int batch, std::size_t train_images, std::size_t val_images);
  // This rank's images per step and its share of the step; std::invalid_argument when the batch
  // does not divide over the ranks.
  int local_batch(int batch) const;
  StepShare share(int batch) const;
  // This rank's contiguous part of the validation set (all of it with one process).
  const data::Dataset& shard(const data::Dataset& val);

  // After the weights are set (initialised, imported or resumed): rank 0's go to every rank, so
  // the ranks start identical whatever each computed.
  void start(Model& model);

  // Between submit_gradients and wait: each bucket of gradients starts its sum over the ranks as
  // soon as the device has made it (model/distributed/data_parallel.h), overlapping the rest of
  // the backward pass. Throws vkrt::DeviceLostError when the device is lost.
  void overlap_backward();
  // The agreement step, after each step's backward: `failure` is what this rank caught (or
  // null). When any rank failed, every rank throws: the failing rank its own exception, the
  // others the same kind with its message (vkrt::DeviceLostError, NonFiniteError or
  // distributed::DistributedError).
  void agree(std::exception_ptr failure);
  // The step's loss sum and tally over every rank: returns the whole step's mean loss and adds the
  // step's tally to `epoch` (one process: exactly the tally's own sums, as before).
  double reduce_step(double loss_sum, int batch, std::span<const float> probs, std::span<const std::int32_t> labels,
                     int classes, Tally& epoch);
  // Sums the gradients over the ranks (nothing with one process).
  void reduce_gradients();
  // Whether `mine` holds on any rank (fp16: a step whose gradients overflowed on one rank is
  // skipped by all, so that the weights stay the same everywhere).
  bool any(bool mine);
  // Validation over the shards: each rank's result over its part, combined.
  EvalResult reduce(const EvalResult& mine);
  // The weights must be bit-identical on every rank (checked at each checkpoint).
  void check_weights(Model& model, std::uint64_t step);

  // The run's per-step cost, for the last line of a data-parallel run. The first step is left out
  // of both figures: it carries the driver's compilation of every pipeline.
  void add_compute_ms(double ms) {
    if (compute_steps_++ > 0) compute_ms_ += ms;
  }
  std::string summary() const;

 private:
  distributed::Communicator& comm_;
  std::unique_ptr<distributed::GradientExchange> exchange_;
  std::unique_ptr<data::Dataset> val_shard_;
  distributed::ExchangeStats totals_;
  double compute_ms_ = 0;
  std::uint64_t compute_steps_ = 0, reductions_ = 0;
};

}  // namespace alexnet
