// Per-epoch metrics: appended to DIR/metrics.csv and drawn as DIR/curves.png (loss and error
// curves rendered straight into pixels and written with libpng: no plotting dependency).
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
};

// Reads the rows of an existing metrics.csv (none when the file does not exist).
std::vector<EpochMetrics> read_metrics_csv(const std::string& path);
// Rewrites the whole file atomically (a resumed run keeps the rows before its checkpoint only).
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows);

// curves.png: loss (left panel) and top-1/top-5 error (right) per epoch, train and validation,
// with tick values, titles and legends. The geometry is public for tests.
inline constexpr int kCurvesWidth = 1000, kCurvesHeight = 440;
inline constexpr int kCurvesPanelLeft = 70, kCurvesPanelTop = 50;  // the left panel's plot area
void write_curves_png(const std::string& path, const std::vector<EpochMetrics>& rows);

}  // namespace alexnet
