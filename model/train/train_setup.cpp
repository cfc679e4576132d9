#include "model/train/train_setup.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "model/data/subset_dataset.h"
#include "model/graph/arch_file.h"
#include "model/io/weights.h"
#include "model/train/progress.h"
#include "model/train/schedule.h"

namespace alexnet {

TrainOptions resolve(const TrainOptions& requested) {
  TrainOptions options = requested;
  options.lr = resolve_lr(requested);
  options.lr_schedule = resolve_lr_schedule(requested);
  options.epochs = resolve_epochs(requested);
  if (options.batch < 1) throw std::invalid_argument("--batch must be at least 1");
  if (options.epochs < 1) throw std::invalid_argument("--epochs must be at least 1");
  if (!(options.lr > 0)) throw std::invalid_argument("--lr must be positive");
  parse_step_schedule(options.lr_schedule);  // throws for a malformed schedule, before any work
  return options;
}

TrainingData open_training_data(const TrainOptions& options) {
  TrainingData d;
  Progress::phase("reading " + options.data_dir);
  d.source = open_data(options.data_dir);
  d.train = d.source.train.get();
  d.val = d.source.val.get();
  if (options.max_train_examples)
    d.train = (d.train_subset = std::make_unique<SubsetDataset>(*d.train, options.max_train_examples)).get();
  if (options.max_val_examples)
    d.val = (d.val_subset = std::make_unique<SubsetDataset>(*d.val, options.max_val_examples)).get();
  return d;
}

RunStart start_of(const TrainOptions& options, const TrainingData& data) {
  RunStart start;
  if (!options.resume.empty()) {
    start.resume = std::make_unique<Checkpoint>(load_checkpoint(options.resume));
    start.arch = checkpoint_arch(*start.resume, options.resume);
    start.norm = checkpoint_normalization(*start.resume, options.resume);
    start.state = checkpoint_state(*start.resume, options.resume);
    const Arch& arch = start.arch;
    if (arch.classes != data.train->num_classes() || arch.in_channels != data.train->channels())
      throw CheckpointError(options.resume + ": made for " + std::to_string(arch.classes) + " classes of " +
                            std::to_string(arch.in_channels) + "-channel images, the data has " +
                            std::to_string(data.train->num_classes()) + " of " + std::to_string(data.train->channels()));
    return start;
  }
  start.arch = resolve_arch(options.arch, data.train->num_classes(), data.train->channels(), options.input_size,
                            options.arch_options);
  start.state.lr = options.lr;
  start.state.seed = options.seed;
  start.state.batch = options.batch;
  start.state.data_kind = data.source.kind;
  return start;
}

void import_initial_weights(const TrainOptions& options, RunStart& start, Model& model) {
  WeightsFile file = read_weights(options.init_from);
  rename_torchvision(file, start.arch);
  std::set<std::string> keep;
  if (options.new_classifier) {
    const std::string last = start.arch.fcs.back().name;
    keep = {last + ".weight", last + ".bias"};
  }
  try {
    import_weights(model, file, options.init_from, keep);
  } catch (const CheckpointError& e) {
    const std::string last = start.arch.fcs.back().name;
    const bool classifier = std::string(e.what()).find("tensor " + last + ".") != std::string::npos;
    throw CheckpointError(std::string(e.what()) +
                          (classifier && !options.new_classifier ? "; give --new-classifier to train a new " + last : ""));
  }
  if (file.norm && file.norm->mean.size() == std::size_t(start.arch.in_channels) &&
      (file.norm->std.empty() || file.norm->std.size() == file.norm->mean.size())) {
    start.norm.mean = file.norm->mean;
    start.norm.pixel_scale = file.norm->pixel_scale;
    start.norm.std = file.norm->std;
  }
}

data::Normalization arch_normalization(const Arch& arch, data::Normalization measured) {
  measured.pixel_scale = arch.pixel_scale;
  if (!arch.input_mean.empty()) {
    measured.mean.clear();
    for (float m : arch.input_mean) measured.mean.push_back(m * 255.0f);
  }
  measured.std = arch.input_std;
  return measured;
}

std::vector<std::string> header_lines(const TrainOptions& options, const TrainingData& data, const RunStart& start,
                                      const Model& model, const data::AugmentConfig& augment) {
  const Arch& arch = start.arch;
  const TrainState& state = start.state;
  const std::size_t params = model.parameter_count();
  std::vector<std::string> lines;
  lines.push_back("alexnet_vk train: " + arch.name + " " + std::to_string(arch.in_channels) + "x" +
                  std::to_string(arch.in_size) + "x" + std::to_string(arch.in_size) + ", " +
                  std::to_string(arch.classes) + " classes, " + std::to_string(params) + " parameters (" +
                  std::to_string(static_cast<int>(std::round(params / 1e6))) + "M); batch " +
                  std::to_string(state.batch) + " (micro-batch " + std::to_string(model.micro_batch()) + "), " +
                  (model.device_names().size() > 1 ? "devices " : "device ") + model.device_name());
  char sgd_line[160];
  std::snprintf(sgd_line, sizeof sgd_line, "sgd: lr %g, schedule %s, momentum %g, weight decay %g; %d epochs",
                options.lr, options.lr_schedule.c_str(), options.sgd.momentum, options.sgd.weight_decay, options.epochs);
  lines.push_back(sgd_line);
  if (options.precision == Precision::Fp16)
    lines.push_back("precision: fp16 activations and gradients (fp32 sums, weights and momentum), dynamic loss scale");
  lines.push_back(std::string("augment: ") + (augment.random_crop ? "random" : "centre") + " crop " +
                  std::to_string(augment.crop) +
                  (augment.random_crop && augment.pad ? " of the image padded by " + std::to_string(augment.pad) : "") +
                  (augment.flip ? ", flips" : "") + (augment.pca_std > 0 ? ", PCA colour" : "") +
                  (augment.subtract_mean ? ", mean subtracted" : ""));
  const bool resumed = !options.resume.empty();
  lines.push_back("data: " + options.data_dir + " (" + std::to_string(data.train->size()) + " train, " +
                  std::to_string(data.val->size()) + " val); output: " + options.out_dir +
                  (resumed ? "; resuming at epoch " + std::to_string(state.epoch + 1) + " after step " +
                                 std::to_string(state.step)
                           : ""));
  if (!resumed && !options.init_from.empty())
    lines.push_back("init: " + options.init_from + (options.new_classifier ? " (" + arch.fcs.back().name + " new)" : ""));
  if (resumed && !state.has_history && state.batch_in_epoch > 0)
    lines.push_back("note: " + options.resume + " is a version 1 checkpoint: epoch " + std::to_string(state.epoch + 1) +
                    "'s train metrics will cover only the batches after the resume");
  return lines;
}

}  // namespace alexnet
