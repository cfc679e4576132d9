// The learning-rate schedule and the per-architecture defaults of a run (epochs, learning rate).
#pragma once

#include <string>
#include <vector>

#include "model/train/train_options.h"

namespace alexnet {

// The initial learning rate: lr when set, else the paper's 0.01 for alexnet and 0.05 for
// alexnet-small (a 12-epoch run on 28x28 images learns too slowly at 0.01: about 90% on
// Fashion-MNIST, see docs/results/fashion-mnist.md).
float resolve_lr(const TrainOptions& o);

// The number of epochs: epochs when set, else 20 for alexnet-small (Fashion-MNIST's test error was
// still falling at the end of 12 epochs: 91.72%, see docs/results/fashion-mnist.md) and 12 for
// alexnet.
int resolve_epochs(const TrainOptions& o);

// What "auto" stands for with these options (see TrainOptions::lr_schedule); other values as given.
std::string resolve_lr_schedule(const TrainOptions& o);

// Parses "step:5,8" into epochs {5, 8}, and "plateau" into none; throws std::invalid_argument on
// anything else.
std::vector<int> parse_step_schedule(const std::string& schedule);

// The step schedule's rate in (0-based) `epoch`: base / 10^(milestones passed).
float step_schedule_lr(float base, const std::vector<int>& milestones, int epoch);

}  // namespace alexnet
