// curves.png: a run's per-epoch metrics as loss and error curves.
#pragma once

#include <string>
#include <vector>

#include "model/metrics/metrics_csv.h"

namespace alexnet {

// curves.png: loss (left panel) and top-1/top-5 error (right) per epoch, train and validation,
// with tick values, titles and legends. The geometry is public for tests.
inline constexpr int kCurvesWidth = 1000, kCurvesHeight = 440;
inline constexpr int kCurvesPanelLeft = 70, kCurvesPanelTop = 50;  // the left panel's plot area
void write_curves_png(const std::string& path, const std::vector<EpochMetrics>& rows);

}  // namespace alexnet
