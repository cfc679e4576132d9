// What a training run is set up from, before its first step: the options with their defaults
// resolved, the data, where the run starts (fresh, or a checkpoint's weights and state), and the
// header it prints.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/data/augment.h"
#include "model/data/dataset.h"
#include "model/io/checkpoint_io.h"
#include "model/model.h"
#include "model/train/data_source.h"
#include "model/train/train_options.h"

namespace alexnet {

// The options with every "architecture's default" (0 or "auto") replaced by its value, so that
// checkpoints record what was used. Throws std::invalid_argument for an out-of-range batch,
// epoch count, learning rate or schedule.
TrainOptions resolve(const TrainOptions& options);

struct TrainingData {
  DataSource source;
  std::unique_ptr<data::Dataset> train_subset, val_subset;  // --train-limit, --val-limit
  const data::Dataset* train = nullptr;
  const data::Dataset* val = nullptr;
};
TrainingData open_training_data(const TrainOptions& options);

struct RunStart {
  TrainState state;
  Arch arch;
  data::Normalization norm;            // fresh runs: computed after the model is set up
  std::unique_ptr<Checkpoint> resume;  // the checkpoint resumed from, until its tensors are loaded
};
// A fresh run's architecture and state, or those of options.resume. Throws CheckpointError when
// the checkpoint does not fit the data (class count, channels).
RunStart start_of(const TrainOptions& options, const TrainingData& data);

// --init-from: the file's weights into `model` (the last layer kept as initialised with
// --new-classifier), and the file's input normalization when it has one for this many channels
// (the weights expect their inputs scaled as in their training). Throws CheckpointError naming
// the file for a missing or mismatched tensor.
// torchvision's names (features.0.weight, ..., classifier.6.bias) are mapped to the arch's
// (rename_torchvision in model/io/weights.h).
void import_initial_weights(const TrainOptions& options, RunStart& start, Model& model);

// The input normalization `arch` asks for: its pixel_scale, and its fixed per-channel mean and std
// (torchvision's) where it has them, else the measured mean and std 1.
data::Normalization arch_normalization(const Arch& arch, data::Normalization measured);

// The header lines: network, SGD recipe, augmentation, data and output, and notes on the resume.
std::vector<std::string> header_lines(const TrainOptions& options, const TrainingData& data, const RunStart& start,
                                      const Model& model, const data::AugmentConfig& augment);

}  // namespace alexnet
