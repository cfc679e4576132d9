// The training loop: SGD with momentum and weight decay on batches from the loader, validation
// after every epoch, the learning-rate schedule, metrics, curves and checkpoints.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/train/data_source.h"
#include "model/graph/network.h"

namespace vkrt {
class Context;
}

namespace alexnet {

struct TrainOptions {
  std::string arch = "alexnet-small";
  ArchOptions arch_options;
  int input_size = 0;  // 0 = the architecture's default
  std::string data_dir = kDefaultDataDir;
  AugmentFlags augment;
  int epochs = 0;  // 0 = the architecture's default (resolve_epochs)
  int batch = 128;
  float lr = 0;  // 0: the architecture's default (resolve_lr)
  // "plateau", "step:E1,E2,..." or "auto": plateau for the paper's alexnet; for alexnet-small,
  // step at 2/3 of the epochs and before the last (20 epochs: step:13,19), because a short run on a
  // small data set keeps improving its validation loss, so a plateau would never lower the rate.
  std::string lr_schedule = "auto";
  int patience = 2;                     // plateau: epochs without improvement before lr /= 10
  SgdConfig sgd;
  std::uint64_t seed = 1;
  std::string out_dir = "runs/latest";
  std::uint64_t checkpoint_every = 0;  // steps; 0 = only at the end of each epoch
  std::string resume;                  // checkpoint to continue from
  int threads = 2;                     // data loader threads
  std::uint64_t max_steps = 0;         // stop after this many steps in total (0 = no limit); for tests
  bool skip_validation = false;        // tests: no validation pass
  std::size_t max_train_examples = 0;  // use only the first N training examples (0 = all)
  std::size_t max_val_examples = 0;
};

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
// With `second`, the network is split over the two devices (model/split/split_network.h): the same
// model, numbers equal to the one-device run's to float rounding, checkpoints interchangeable.
TrainResult train(vkrt::Context& context, const TrainOptions& options, vkrt::Context* second = nullptr);

// For `train --resume FILE`: each option of the run's recipe that is not in `given` (long option
// names without the dashes: "lr", "epochs", "data", "no-crop", ...) takes the value the
// checkpoint's run used, and the output folder (unless "out" is given) is the checkpoint's folder,
// so that a bare `--resume FILE` continues the same run. A version 1 checkpoint has no recipe:
// the options stay as they are. Throws CheckpointError when the file cannot be read.
void inherit_recipe(TrainOptions& options, const std::set<std::string>& given);

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

// Parses "step:5,8" into epochs {5, 8}; throws std::invalid_argument on anything else but "plateau".
std::vector<int> parse_step_schedule(const std::string& schedule);

}  // namespace alexnet
