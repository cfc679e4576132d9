// Everything `alexnet_vk train` can be told. model/train/recipe.h lists each field once with its
// flag, help and whether checkpoints record it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/data/loader.h"
#include "model/graph/arch.h"
#include "model/ops/precision.h"
#include "model/ops/sgd.h"
#include "model/train/data_source.h"

namespace alexnet {

struct TrainOptions {
  std::string arch = "alexnet-small";
  ArchOptions arch_options;
  int input_size = 0;  // 0 = the architecture's default
  std::string data_dir = kDefaultDataDir;
  AugmentFlags augment;
  int epochs = 0;  // 0 = the architecture's default (resolve_epochs)
  int batch = 128;
  // Images per forward/backward round; a step's gradients are summed over its rounds. 0: the
  // largest that fits the device. Changes only the rounding of the sums, so it is not recorded.
  int micro_batch = 0;
  float lr = 0;  // 0: the architecture's default (resolve_lr)
  // "plateau", "step:E1,E2,..." or "auto": plateau for the paper's alexnet; for alexnet-small,
  // step at 2/3 of the epochs and before the last (20 epochs: step:13,19; 3 epochs: step:2, one
  // drop where the two coincide), because a short run on a small data set keeps improving its
  // validation loss, so a plateau would never lower the rate.
  std::string lr_schedule = "auto";
  int patience = 2;                     // plateau: epochs without improvement before lr /= 10
  SgdConfig sgd;
  // Storage of activations and their gradients; fp16 adds dynamic loss scaling
  // (model/train/loss_scaler.h). Checkpoints hold fp32 weights either way.
  Precision precision = Precision::Fp32;
  std::uint64_t seed = 1;
  std::string out_dir;                 // "" = a new folder under runs/ (model/train/run_folder.h)
  bool force = false;                  // write into an --out that holds another run
  std::uint64_t checkpoint_every = 0;  // steps; 0 = only at the end of each epoch
  std::string resume;                  // checkpoint to continue from
  std::string init_from;               // safetensors weights to start from (model/io/weights.h)
  bool new_classifier = false;         // with init_from: the last layer starts afresh (fine-tuning)
  int threads = data::default_loader_threads();  // loader threads: all hardware threads but one
  std::uint64_t max_steps = 0;         // stop after this many steps in total (0 = no limit); for tests
  bool skip_validation = false;        // tests: no validation pass
  std::size_t max_train_examples = 0;  // use only the first N training examples (0 = all)
  std::size_t max_val_examples = 0;
};

}  // namespace alexnet
