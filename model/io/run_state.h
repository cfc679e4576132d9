// Where a training run stands: what a checkpoint records beside the tensors, so that a resumed
// run continues exactly where the interrupted one stopped.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/data/augment.h"
#include "model/io/checkpoint_json.h"
#include "model/metrics/metrics_csv.h"
#include "model/metrics/tally.h"

namespace alexnet {

// Their JSON in checkpoints (keys are the field names). By hand rather than ALEXNET_JSON_FIELDS:
// loss_scale and skipped_steps are read only when present (checkpoints before them read 1 and 0).
inline void to_json(nlohmann::json& j, const EpochMetrics& m) {
  j = {{"epoch", m.epoch},           {"train_loss", m.train_loss},
       {"train_top1_error", m.train_top1_error}, {"train_top5_error", m.train_top5_error},
       {"val_loss", m.val_loss},     {"val_top1_error", m.val_top1_error},
       {"val_top5_error", m.val_top5_error},     {"lr", m.lr},
       {"seconds", m.seconds},       {"data_wait_seconds", m.data_wait_seconds},
       {"loss_scale", m.loss_scale}, {"skipped_steps", m.skipped_steps}};
}
inline void from_json(const nlohmann::json& j, EpochMetrics& m) {
  read_json_field(j, "epoch", m.epoch);
  read_json_field(j, "train_loss", m.train_loss);
  read_json_field(j, "train_top1_error", m.train_top1_error);
  read_json_field(j, "train_top5_error", m.train_top5_error);
  read_json_field(j, "val_loss", m.val_loss);
  read_json_field(j, "val_top1_error", m.val_top1_error);
  read_json_field(j, "val_top5_error", m.val_top5_error);
  read_json_field(j, "lr", m.lr);
  read_json_field(j, "seconds", m.seconds);
  read_json_field(j, "data_wait_seconds", m.data_wait_seconds);
  m.loss_scale = 1;
  m.skipped_steps = 0;
  if (j.contains("loss_scale")) read_json_field(j, "loss_scale", m.loss_scale);
  if (j.contains("skipped_steps")) read_json_field(j, "skipped_steps", m.skipped_steps);
}
namespace data {
// By hand rather than ALEXNET_JSON_FIELDS: "std" is written only when set, and checkpoints made
// before it existed (no "std") read as std 1.
inline void to_json(nlohmann::json& j, const Normalization& n) {
  j = {{"mean", n.mean}, {"pixel_scale", n.pixel_scale}, {"eigval", n.eigval}, {"eigvec", n.eigvec}};
  if (!n.std.empty()) j["std"] = n.std;
}
inline void from_json(const nlohmann::json& j, Normalization& n) {
  read_json_field(j, "mean", n.mean);
  read_json_field(j, "pixel_scale", n.pixel_scale);
  read_json_field(j, "eigval", n.eigval);
  read_json_field(j, "eigvec", n.eigvec);
  n.std.clear();
  if (j.contains("std")) read_json_field(j, "std", n.std);
}
}

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
  // Dynamic loss scaling (--precision fp16; model/train/loss_scaler.h). Checkpoints before it
  // read scale 0 ("not recorded": the trainer starts the scaler afresh).
  float loss_scale = 0;
  std::uint64_t loss_scale_finite_steps = 0;
  std::uint64_t skipped_steps = 0;
};

}  // namespace alexnet
