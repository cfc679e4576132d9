// The training loop: SGD with momentum and weight decay on batches from the loader, validation
// after every epoch, the learning-rate schedule, metrics, curves and checkpoints.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/arch.h"
#include "model/data_source.h"
#include "model/network.h"

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
  int epochs = 12;
  int batch = 128;
  float lr = 0.01f;
  std::string lr_schedule = "plateau";  // "plateau" or "step:E1,E2,..."
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
// (CheckpointError) or device errors (vkrt::Error), each with a one-line message.
TrainResult train(vkrt::Context& context, const TrainOptions& options);

// Parses "step:5,8" into epochs {5, 8}; throws std::invalid_argument on anything else but "plateau".
std::vector<int> parse_step_schedule(const std::string& schedule);

}  // namespace alexnet
