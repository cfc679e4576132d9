// What a training checkpoint holds beyond the raw file format: the network's parameters and
// momentum, the architecture, the input normalization, and where training stands, so that a
// resumed run continues exactly where the interrupted one stopped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/arch.h"
#include "model/checkpoint.h"
#include "model/data/augment.h"
#include "model/evaluate.h"
#include "model/metrics.h"
#include "model/network.h"

namespace alexnet {

struct TrainState {
  int epoch = 0;                   // the epoch in progress (0-based)
  std::uint64_t batch_in_epoch = 0;  // the next batch of that epoch to train on
  std::uint64_t step = 0;          // optimizer steps taken
  float lr = 0.01f;
  std::uint64_t seed = 1;
  int batch = 128;
  double best_val_loss = 1e300;    // for the plateau schedule
  int epochs_without_improvement = 0;
  double last_loss = 0;            // loss of the last step, for checks of resumed runs
  std::string data_kind = "idx";   // "idx" or "folder": how images were cropped in training
  // Version 2 on. The epoch in progress so far (batches before batch_in_epoch), so that a run
  // resumed mid-epoch reports that epoch's train metrics over all of its batches.
  Tally epoch_tally;
  double epoch_seconds = 0, epoch_data_wait_seconds = 0;
  std::vector<EpochMetrics> history;  // the finished epochs' metrics (metrics.csv)
  bool has_history = false;           // false when read from a version 1 checkpoint
  nlohmann::json recipe;              // the run's options (TrainOptions), for `train --resume`
};

// Reads the parameters and momentum back from the device. Throws NonFiniteError naming the first
// tensor (in layer order) that holds a NaN or an infinity: a checkpoint never holds one.
Checkpoint make_checkpoint(ParameterSet& network, const Arch& arch, const data::Normalization& norm, const std::vector<std::string>& classes,
                           const TrainState& state);

// Loads parameters (and momentum when present) into a network of the same architecture; throws
// CheckpointError naming `path` when a tensor is missing or has another shape.
void load_parameters(ParameterSet& network, const Checkpoint& checkpoint, const std::string& path);

Arch checkpoint_arch(const Checkpoint& checkpoint, const std::string& path);
data::Normalization checkpoint_normalization(const Checkpoint& checkpoint, const std::string& path);
std::vector<std::string> checkpoint_classes(const Checkpoint& checkpoint, const std::string& path);
TrainState checkpoint_state(const Checkpoint& checkpoint, const std::string& path);

}  // namespace alexnet
