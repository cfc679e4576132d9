// Per-epoch metrics of a run and DIR/metrics.csv, their file (drawn by model/plot/curves.h).
#pragma once

#include <string>
#include <vector>

namespace alexnet {

struct EpochMetrics {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_top1_error = 0, train_top5_error = 0;
  double val_loss = 0, val_top1_error = 0, val_top5_error = 0;
  double lr = 0;
  double seconds = 0;
  double data_wait_seconds = 0;
  // Dynamic loss scaling (--precision fp16): the scale at the end of the epoch and the steps
  // skipped for overflowing gradients so far in the run. fp32: 1 and 0.
  double loss_scale = 1;
  std::uint64_t skipped_steps = 0;
};

// Reads the rows of an existing metrics.csv (none when the file does not exist); files written
// before the loss_scale and skipped_steps columns read as 1 and 0.
std::vector<EpochMetrics> read_metrics_csv(const std::string& path);
// Rewrites the whole file atomically (a resumed run keeps the rows before its checkpoint only).
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows);

}  // namespace alexnet
