// Top-1 / top-5 error over a data set, centre crop or the paper's 10-crop average.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "model/data/augment.h"
#include "model/data/dataset.h"
#include "model/metrics/tally.h"
#include "model/train/predictor.h"

namespace alexnet {

EvalResult evaluate(Predictor& predictor, const data::Dataset& dataset, const data::AugmentConfig& augment,
                    const data::Normalization& norm, bool ten_crop, int threads);

}  // namespace alexnet
