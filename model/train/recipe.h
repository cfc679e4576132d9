// The options of `alexnet_vk train` as one table: each field's flag, help text, allowed values,
// and whether the run's recipe records it. The recipe is what defines a run (not where or how
// fast it runs); every checkpoint saves it, so that `train --resume FILE` alone continues the same
// run. The command line (apps/alexnet_vk/train_command.cpp), the checkpoint's recipe JSON and
// --resume's inheritance all walk this one table: a new option is a field in TrainOptions and a
// line in visit_options().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/train/train_options.h"

namespace alexnet {

struct OptionInfo {
  const char* name;        // the long flag without its dashes, and the recipe's JSON key
  const char* help;
  bool recorded = false;   // in the checkpoint's recipe; --resume takes it from there unless given
  bool show_default = true;
  double min = -std::numeric_limits<double>::infinity(), max = std::numeric_limits<double>::infinity();
  bool on_command_line = true;  // false: set by tests only
};

// An option whose value is one of a few names.
template <class E>
struct Named {
  E& value;
  std::vector<std::pair<const char*, E>> names;
};

// A flag (takes no value) that sets `target` to `when_given`; the recipe records whether it was
// given (true when target == when_given).
template <class T>
struct Flag {
  T& target;
  T when_given;
};

// Calls visitor(info, field) for every option, in the command line's order. `field` is a
// reference to the option's place in `o` (std::string, int, float, std::uint64_t, std::size_t),
// or a Named or Flag wrapping it.
template <class Visitor>
void visit_options(TrainOptions& o, Visitor&& v) {
  v(OptionInfo{"arch", "alexnet (paper, 224x224), alexnet-small (28x28), alexnet-torchvision (torchvision's "
                       "layout, 224x224), or FILE.json (an architecture described as data: docs/architecture.md)"},
    o.arch);
  v(OptionInfo{"data", "IDX folder or ImageNet-layout folder (train/, val/)", true}, o.data_dir);
  v(OptionInfo{"input-size", "input size in pixels (default: the architecture's)", false, false}, o.input_size);
  v(OptionInfo{"epochs", "epochs to train (default: 20 for alexnet-small, 12 for alexnet)", true, false, 1,
               std::numeric_limits<int>::max()},
    o.epochs);
  v(OptionInfo{"batch", "images per SGD step"}, o.batch);
  v(OptionInfo{"micro-batch", "images per forward/backward round, gradients summed over a step's rounds (0: the "
                              "largest that fits the device); must divide each rank's share of --batch",
               false, false, 0, std::numeric_limits<int>::max()},
    o.micro_batch);
  v(OptionInfo{"lr", "initial learning rate (default: 0.01 for alexnet, 0.05 for alexnet-small)", true, false,
               std::numeric_limits<float>::min()},
    o.lr);
  v(OptionInfo{"lr-schedule",
               "auto, plateau, or step:E1,E2,... (divide by 10 at those epochs); auto: plateau for alexnet, step at "
               "2/3 of the epochs and before the last for alexnet-small",
               true},
    o.lr_schedule);
  v(OptionInfo{"patience", "plateau: epochs without improvement before dividing lr by 10", true}, o.patience);
  v(OptionInfo{"momentum", "SGD momentum", true}, o.sgd.momentum);
  v(OptionInfo{"weight-decay", "weight decay", true}, o.sgd.weight_decay);
  v(OptionInfo{"precision", "fp32, or fp16: activations and their gradients stored in 16 bits (sums, weights and "
                            "momentum fp32) with dynamic loss scaling; one device",
               true},
    Named<Precision>{o.precision, precision_choices()});
  v(OptionInfo{"seed", "seed for init, data order, augmentation and dropout"}, o.seed);
  v(OptionInfo{"out", "folder for metrics.csv, curves.png and last.ckpt (default: a new runs/<date>-<time>, with "
               "runs/latest linking to it)", false, false},
    o.out_dir);
  v(OptionInfo{"force", "write into an --out that holds another run, replacing its files"}, Flag<bool>{o.force, true});
  v(OptionInfo{"checkpoint-every", "also checkpoint every N steps (0: per epoch only)", true, false},
    o.checkpoint_every);
  v(OptionInfo{"resume",
               "continue from this checkpoint; options not given are those of the checkpoint's run, the output "
               "folder the checkpoint's",
               false, false},
    o.resume);
  v(OptionInfo{"init-from", "start from these weights (safetensors in PyTorch layout: an export, or a state_dict "
               "under the same names)", true, false},
    o.init_from);
  v(OptionInfo{"new-classifier", "with --init-from: a new last layer for this data's classes (fine-tuning)", true},
    Flag<bool>{o.new_classifier, true});
  v(OptionInfo{"threads", "data loader threads"}, o.threads);
  v(OptionInfo{"activation", "relu or tanh", false, false},
    Named<Activation>{o.arch_options.activation, {{"relu", Activation::Relu}, {"tanh", Activation::Tanh}}});
  v(OptionInfo{"no-lrn", "no local response normalization"}, Flag<bool>{o.arch_options.lrn, false});
  v(OptionInfo{"pool", "overlap (3x3/2) or plain (2x2/2)", false, false},
    Named<PoolKind>{o.arch_options.pool, {{"overlap", PoolKind::Overlap}, {"plain", PoolKind::Plain}}});
  v(OptionInfo{"dropout", "dropout probability on fc6 and fc7 (0: off)"}, o.arch_options.dropout);
  v(OptionInfo{"half-width", "the paper's one-GPU comparison net: half the kernels in conv1-conv4, no groups"},
    Flag<bool>{o.arch_options.half_width, true});
  v(OptionInfo{"crop", "training crop: random, center, or auto (random for image folders, center for IDX data)", true},
    Named<CropMode>{o.augment.crop, {{"auto", CropMode::Auto}, {"random", CropMode::Random}, {"center", CropMode::Center}}});
  v(OptionInfo{"no-crop", "same as --crop center"}, Flag<CropMode>{o.augment.crop, CropMode::Center});
  v(OptionInfo{"no-flip", "no horizontal flips", true}, Flag<bool>{o.augment.flip, false});
  v(OptionInfo{"no-pca", "no PCA colour augmentation", true}, Flag<bool>{o.augment.pca, false});
  v(OptionInfo{"no-mean", "no mean subtraction", true}, Flag<bool>{o.augment.subtract_mean, false});
  v(OptionInfo{"max-steps", "stop after N steps (for quick checks)", false, false}, o.max_steps);
  v(OptionInfo{"train-limit", "use only the first N training images", true, false}, o.max_train_examples);
  v(OptionInfo{"val-limit", "validate on only the first N images", true, false}, o.max_val_examples);
  OptionInfo skip{"skip-validation", "no validation pass", true};
  skip.on_command_line = false;
  v(skip, Flag<bool>{o.skip_validation, true});
}

// The recorded options of `o` as the checkpoint's recipe.
nlohmann::json recipe_of(const TrainOptions& o);

// For `train --resume FILE`: each recorded option that is not in `given` (option names as in the
// table) takes the value the checkpoint's run used, and the output folder (unless "out" is given)
// is the checkpoint's folder, so that a bare `--resume FILE` continues the same run. A version 1
// checkpoint has no recipe: the options stay as they are. Throws CheckpointError when the file
// cannot be read or a recorded value is malformed.
void inherit_recipe(TrainOptions& options, const std::set<std::string>& given);

}  // namespace alexnet
