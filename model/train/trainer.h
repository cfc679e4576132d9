// The training loop: SGD with momentum and weight decay on batches from the loader, validation
// after every epoch, the learning-rate schedule, metrics, curves and checkpoints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/distributed/communicator.h"
#include "model/model.h"
#include "model/train/recipe.h"
#include "model/train/schedule.h"
#include "model/train/train_options.h"

namespace alexnet {

struct TrainResult {
  std::uint64_t steps = 0;
  double last_loss = 0;
  std::vector<double> step_losses;  // every step's mean loss, in order (this run only)
  double val_top1_error = -1, val_top5_error = -1;
  std::size_t parameter_count = 0;
};

// Throws on bad options (std::invalid_argument), data (data::DataError), checkpoints
// (CheckpointError) or device errors (vkrt::Error), each with a one-line message. In particular:
//   - NonFiniteError when a step's loss is NaN or infinite (checked every step, before that step's
//     update is applied) or when the weights are found non-finite while writing a checkpoint; the
//     message names the step and where the first non-finite value appeared. No checkpoint with a
//     non-finite value is ever written: last.ckpt stays the last good one.
//   - vkrt::OutOfMemoryError when the batch does not fit (checked from the shapes before any
//     allocation, and for any allocation that fails), saying what was asked, what the device has
//     and a batch size that fits.
//   - vkrt::DeviceLostError when the device is lost, naming the step and the checkpoint to resume
//     from; nothing is written after the loss.
// Crash safety: with --checkpoint-every N, a run killed at any point and resumed from last.ckpt
// gives bit-identical weights, losses and metrics.csv (but its time columns) to a run never
// stopped (tests/reliability/kill_resume_test.cpp).
// The model is laid out over `devices` (model/model.h: one device, or the paper's two-device
// split): the same numbers to float rounding either way, checkpoints interchangeable.
TrainResult train(const DeviceList& devices, const TrainOptions& options);
// The same run as one of comm.size() data-parallel ranks (model/train/ranks.h): each trains on its
// share of every batch and rank 0 writes the files. Errors as above, and on every rank at once
// (named "rank R of N: ..."), plus distributed::DistributedError for a launch that cannot work
// (the batch does not divide over the ranks; ranks that differ in build, options or data).
TrainResult train(const DeviceList& devices, const TrainOptions& options, distributed::Communicator& comm);

}  // namespace alexnet
