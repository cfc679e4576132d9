#include "model/train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "model/io/faults.h"
#include "model/io/checkpoint_json.h"
#include "model/io/checkpoint_io.h"
#include "model/data/loader.h"
#include "model/train/evaluate.h"
#include "model/metrics/metrics_csv.h"
#include "model/plot/curves.h"
#include "model/train/predictor.h"
#include "model/train/progress.h"
#include "model/train/step_engine.h"
#include "model/data/subset_dataset.h"
#include "runtime/check.h"
#include "runtime/context.h"
#include "runtime/stream.h"
#include "runtime/transfer.h"

namespace alexnet {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The recipe: the options that define a run (not where or how fast it runs), saved in every
// checkpoint so that `train --resume FILE` alone continues the same run. Keys are the CLI's long
// option names.
nlohmann::json recipe_of(const TrainOptions& o) {
  return {{"data", o.data_dir},
          {"epochs", o.epochs},
          {"lr", o.lr},
          {"lr-schedule", o.lr_schedule},
          {"patience", o.patience},
          {"momentum", o.sgd.momentum},
          {"weight-decay", o.sgd.weight_decay},
          {"checkpoint-every", o.checkpoint_every},
          {"train-limit", o.max_train_examples},
          {"val-limit", o.max_val_examples},
          {"crop", crop_mode_name(o.augment.crop)},
          {"no-flip", !o.augment.flip},
          {"no-pca", !o.augment.pca},
          {"no-mean", !o.augment.subtract_mean},
          {"skip-validation", o.skip_validation}};
}

std::string format_loss(double loss) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", loss);
  return text;
}

}  // namespace

float resolve_lr(const TrainOptions& o) {
  if (o.lr != 0) return o.lr;
  return o.arch == "alexnet" ? 0.01f : 0.05f;
}

int resolve_epochs(const TrainOptions& o) {
  if (o.epochs != 0) return o.epochs;
  return o.arch == "alexnet" ? 12 : 20;
}

std::string resolve_lr_schedule(const TrainOptions& o) {
  if (o.lr_schedule != "auto") return o.lr_schedule;
  const int epochs = resolve_epochs(o);
  if (o.arch == "alexnet" || epochs < 3) return "plateau";
  return "step:" + std::to_string(epochs * 2 / 3) + "," + std::to_string(epochs - 1);
}

std::vector<int> parse_step_schedule(const std::string& schedule) {
  if (schedule == "plateau") return {};
  if (schedule.rfind("step:", 0) != 0)
    throw std::invalid_argument("--lr-schedule must be 'auto', 'plateau' or 'step:E1,E2,...', got '" + schedule + "'");
  std::vector<int> epochs;
  std::size_t pos = 5;
  while (pos < schedule.size()) {
    const std::size_t comma = schedule.find(',', pos);
    const std::string part = schedule.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    const long e = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || e <= 0) throw std::invalid_argument("bad epoch '" + part + "' in --lr-schedule");
    epochs.push_back(static_cast<int>(e));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (epochs.empty()) throw std::invalid_argument("--lr-schedule step: needs at least one epoch");
  return epochs;
}

void inherit_recipe(TrainOptions& o, const std::set<std::string>& given) {
  if (o.resume.empty()) return;
  if (!given.count("out")) {
    const std::filesystem::path folder = std::filesystem::path(o.resume).parent_path();
    o.out_dir = folder.empty() ? "." : folder.string();
  }
  const nlohmann::json header = read_checkpoint_header(o.resume);
  const auto train = header.find("train");
  if (train == header.end() || !train->contains("recipe")) return;  // version 1
  const nlohmann::json& r = (*train)["recipe"];
  auto take = [&](const char* name, auto& field) {
    if (given.count(name) || !r.contains(name)) return;
    try {
      using T = std::decay_t<decltype(field)>;
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) field = json_integer<T>(r.at(name));
      else r.at(name).get_to(field);
    } catch (const nlohmann::json::exception& e) {
      throw CheckpointError(o.resume + ": recipe option " + name + " is malformed (" + e.what() + ")");
    }
  };
  auto take_off = [&](const char* name, bool& on) {  // "no-crop": true means the flag was on
    bool off = !on;
    take(name, off);
    on = !off;
  };
  take("data", o.data_dir);
  take("epochs", o.epochs);
  take("lr", o.lr);
  take("lr-schedule", o.lr_schedule);
  take("patience", o.patience);
  take("momentum", o.sgd.momentum);
  take("weight-decay", o.sgd.weight_decay);
  take("checkpoint-every", o.checkpoint_every);
  take("train-limit", o.max_train_examples);
  take("val-limit", o.max_val_examples);
  if (!given.count("crop")) {
    if (r.contains("crop")) {
      std::string crop;
      take("crop", crop);
      try {
        o.augment.crop = parse_crop_mode(crop);
      } catch (const std::invalid_argument& e) {
        throw CheckpointError(o.resume + ": recipe option " + e.what());
      }
    } else if (r.contains("no-crop")) {  // recipes before "crop": random crops unless --no-crop
      bool random = true;
      take_off("no-crop", random);
      o.augment.crop = random ? CropMode::Random : CropMode::Center;
    }
  }
  take_off("no-flip", o.augment.flip);
  take_off("no-pca", o.augment.pca);
  take_off("no-mean", o.augment.subtract_mean);
  take("skip-validation", o.skip_validation);
}

TrainResult train(vkrt::Context& context, const TrainOptions& requested, vkrt::Context* second) {
  TrainOptions options = requested;
  options.lr = resolve_lr(requested);  // checkpoints record the resolved values
  options.lr_schedule = resolve_lr_schedule(requested);
  options.epochs = resolve_epochs(requested);
  if (options.batch < 1) throw std::invalid_argument("--batch must be at least 1");
  if (options.epochs < 1) throw std::invalid_argument("--epochs must be at least 1");
  if (!(options.lr > 0)) throw std::invalid_argument("--lr must be positive");
  const std::vector<int> lr_steps = parse_step_schedule(options.lr_schedule);

  // ---- data ----
  Progress::phase("reading " + options.data_dir);
  DataSource source = open_data(options.data_dir);
  std::unique_ptr<data::Dataset> train_subset, val_subset;
  const data::Dataset* train_set = source.train.get();
  const data::Dataset* val_set = source.val.get();
  if (options.max_train_examples) train_set = (train_subset = std::make_unique<SubsetDataset>(*train_set, options.max_train_examples)).get();
  if (options.max_val_examples) val_set = (val_subset = std::make_unique<SubsetDataset>(*val_set, options.max_val_examples)).get();

  // ---- architecture and state: fresh, or from the checkpoint ----
  TrainState state;
  Arch arch;
  data::Normalization norm;
  std::unique_ptr<Checkpoint> resume;
  if (!options.resume.empty()) {
    resume = std::make_unique<Checkpoint>(load_checkpoint(options.resume));
    arch = checkpoint_arch(*resume, options.resume);
    norm = checkpoint_normalization(*resume, options.resume);
    state = checkpoint_state(*resume, options.resume);
    if (arch.classes != train_set->num_classes() || arch.in_channels != train_set->channels())
      throw CheckpointError(options.resume + ": made for " + std::to_string(arch.classes) + " classes of " +
                            std::to_string(arch.in_channels) + "-channel images, the data has " +
                            std::to_string(train_set->num_classes()) + " of " + std::to_string(train_set->channels()));
  } else {
    const int size = options.input_size ? options.input_size : default_input_size(options.arch);
    arch = make_arch(options.arch, train_set->num_classes(), train_set->channels(), size, options.arch_options);
    state.lr = options.lr;
    state.seed = options.seed;
    state.batch = options.batch;
    state.data_kind = source.kind;
  }
  const int batch = state.batch;
  // Before anything is allocated (or the data is read): a batch that cannot fit is a clear error,
  // not a driver failure half-way through set-up.
  if (!second) Network::check_memory(context, arch, batch);
  if (train_set->size() < std::size_t(batch))
    throw std::invalid_argument("the training set has " + std::to_string(train_set->size()) +
                                " images, fewer than one batch of " + std::to_string(batch));
  if (!resume) {
    Progress::phase("computing normalization over " + std::to_string(std::min<std::size_t>(train_set->size(), 10000)) + " images");
    norm = data::compute_normalization(*train_set, 10000, options.seed, options.threads);
    norm.pixel_scale = arch.pixel_scale;
  }

  // ---- device set-up; an allocation that fails anyway gets the same advice ----
  Progress::phase("compiling pipelines and allocating the network on " + (second ? "two devices" : context.info().name));
  std::unique_ptr<StepEngine> engine;
  try {
    engine = second ? make_two_device_engine(context, *second, arch, batch, options.sgd)
                    : make_one_device_engine(context, arch, batch, options.sgd);
  } catch (const vkrt::OutOfMemoryError& e) {
    throw vkrt::OutOfMemoryError(std::string(e.what()) + "; " + Network::memory_advice(context, arch, batch), e.result());
  }
  const int micro_batch = engine->micro_batch();
  if (resume) load_parameters(engine->parameters(), *resume, options.resume);
  else engine->initialize(state.seed);
  resume.reset();  // the tensors are on the device now
  context.save_pipeline_cache();  // now, so that a run killed later still leaves the compiled pipelines
  const auto augment = augment_for(arch, source, options.augment);

  std::filesystem::create_directories(options.out_dir);
  const std::string out = options.out_dir + "/";
  const std::string checkpoint_path = out + "last.ckpt";
  // The finished epochs' metrics: from the checkpoint (version 2), else what metrics.csv holds up
  // to the checkpoint's epoch; a fresh run starts a new history.
  std::vector<EpochMetrics> history;
  const bool resumed = !options.resume.empty();
  if (resumed) {
    history = state.has_history ? state.history : read_metrics_csv(out + "metrics.csv");
    while (!history.empty() && history.back().epoch > state.epoch) history.pop_back();
    // metrics.csv may be ahead of the checkpoint (killed between the two): make it agree.
    if (!history.empty() || std::filesystem::exists(out + "metrics.csv")) {
      write_metrics_csv(out + "metrics.csv", history);
      write_curves_png(out + "curves.png", history);
    }
  }

  Progress progress;
  if (!options.skip_validation) progress.expect_validation(val_set->size());  // the ETA counts validation
  const std::size_t params = engine->parameter_count();
  progress.line("alexnet_vk train: " + arch.name + " " + std::to_string(arch.in_channels) + "x" +
                std::to_string(arch.in_size) + "x" + std::to_string(arch.in_size) + ", " + std::to_string(arch.classes) +
                " classes, " + std::to_string(params) + " parameters (" +
                std::to_string(static_cast<int>(std::round(params / 1e6))) + "M); batch " + std::to_string(batch) +
                " (micro-batch " + std::to_string(micro_batch) + "), " + (second ? "devices " : "device ") +
                engine->device_name());
  char sgd_line[160];
  std::snprintf(sgd_line, sizeof sgd_line, "sgd: lr %g, schedule %s, momentum %g, weight decay %g; %d epochs",
                options.lr, options.lr_schedule.c_str(), options.sgd.momentum, options.sgd.weight_decay, options.epochs);
  progress.line(sgd_line);
  progress.line(std::string("augment: ") + (augment.random_crop ? "random" : "centre") + " crop " +
                std::to_string(augment.crop) + (augment.random_crop && augment.pad ? " of the image padded by " + std::to_string(augment.pad) : "") +
                (augment.flip ? ", flips" : "") + (augment.pca_std > 0 ? ", PCA colour" : "") +
                (augment.subtract_mean ? ", mean subtracted" : ""));
  progress.line("data: " + options.data_dir + " (" + std::to_string(train_set->size()) + " train, " +
                std::to_string(val_set->size()) + " val); output: " + options.out_dir +
                (resumed ? "; resuming at epoch " + std::to_string(state.epoch + 1) + " after step " +
                               std::to_string(state.step)
                         : ""));
  if (resumed && !state.has_history && state.batch_in_epoch > 0)
    progress.line("note: " + options.resume + " is a version 1 checkpoint: epoch " + std::to_string(state.epoch + 1) +
                  "'s train metrics will cover only the batches after the resume");

  Predictor& predictor = engine->predictor();
  TrainResult result;
  result.parameter_count = params;
  const int classes = arch.classes;
  const nlohmann::json recipe = recipe_of(options);

  // The newest checkpoint this run can fall back on, for the error messages.
  std::string kept_path = resumed ? options.resume : "";
  std::uint64_t kept_step = state.step;
  std::uint64_t checked_step = state.step;  // the weights were last seen finite after this step
  auto kept = [&]() -> std::string {
    if (kept_path.empty()) return "no checkpoint was written yet";
    return kept_path + " (after step " + std::to_string(kept_step) + ") is kept";
  };
  auto save = [&](TrainState s, const std::string& label) {
    faults::kill_point(label + ":begin");
    s.history = history;
    s.recipe = recipe;
    Checkpoint checkpoint;
    try {
      checkpoint = make_checkpoint(engine->parameters(), arch, norm, train_set->class_names(), s);
    } catch (const NonFiniteError& e) {
      // A NaN that never reached the loss (e.g. a gradient that a ReLU then hid): the weights
      // are lost, the last checkpoint is not.
      const std::string steps = checked_step + 1 == s.step
                                    ? "the update of step " + std::to_string(s.step)
                                    : "an update in steps " + std::to_string(checked_step + 1) + " to " +
                                          std::to_string(s.step);
      throw NonFiniteError(std::string(e.what()) + " after step " + std::to_string(s.step) + " (from " + steps +
                           "; the loss stayed finite); " + kept() + "; try a lower --lr");
    }
    save_checkpoint(checkpoint_path, checkpoint, label);
    kept_path = checkpoint_path;
    kept_step = s.step;
    checked_step = s.step;
  };

  if (resumed && state.epoch >= options.epochs) {
    // A finished run: nothing is trained and no checkpoint written (metrics.csv and curves.png
    // were redrawn from its history above); the result is its last epoch's.
    progress.line("nothing to train: " + options.resume + " has finished all " + std::to_string(options.epochs) +
                  " epochs; give a larger --epochs to train further");
    if (!history.empty() && !options.skip_validation) {
      result.val_top1_error = history.back().val_top1_error;
      result.val_top5_error = history.back().val_top5_error;
    }
  }

  std::string doing;  // where training is, for the device-lost message
  try {
    for (; state.epoch < options.epochs; ++state.epoch) {
      // The step schedule: lr = base / 10^(milestones passed).
      if (!lr_steps.empty()) {
        int passed = 0;
        for (int e : lr_steps) passed += state.epoch >= e;
        state.lr = options.lr / std::pow(10.0f, static_cast<float>(passed));
      }
      data::LoaderConfig loader_config;
      loader_config.batch = batch;
      loader_config.threads = options.threads;
      loader_config.seed = state.seed;
      loader_config.epoch = state.epoch;
      loader_config.start_batch = state.batch_in_epoch;
      data::Loader loader(*train_set, augment, norm, loader_config);
      const std::size_t steps = loader.batches_per_epoch();
      // A resumed epoch carries on the sums and times of the part before the checkpoint.
      if (state.batch_in_epoch == 0) {
        state.epoch_tally = {};
        state.epoch_seconds = state.epoch_data_wait_seconds = 0;
      }
      const double seconds_before = state.epoch_seconds, wait_before = state.epoch_data_wait_seconds;
      const auto epoch_start = Clock::now();
      while (auto b = loader.next()) {
        const std::uint64_t n = state.step + 1;  // this step, counted from 1 as in the messages
        const std::string step_name = "step:" + std::to_string(n);
        doing = "at step " + std::to_string(n) + " (epoch " + std::to_string(state.epoch + 1) + ", batch " +
                std::to_string(b->index_in_epoch + 1) + " of " + std::to_string(steps) + ")";
        // Dropout masks are keyed by (seed, step): a resumed run draws the same ones.
        const net::StepKey key{static_cast<std::uint32_t>(state.seed), static_cast<std::uint32_t>(state.step), true};
        engine->prepare(b->images, b->labels, key);
        faults::kill_point(step_name + ":uploaded");
        if (faults::device_lost_at(n)) engine->simulate_device_lost();
        if (result.steps == 0) Progress::phase("first step (a driver may compile shaders at first use)");
        engine->submit();
        faults::kill_point(step_name + ":on-gpu");
        engine->wait();

        const auto loss = engine->loss();
        double sum = 0;
        for (float l : loss) sum += l;
        const double mean = sum / batch;
        if (!std::isfinite(mean)) {
          std::size_t sample = 0;
          while (sample + 1 < loss.size() && std::isfinite(loss[sample])) ++sample;
          const std::string where = engine->locate_non_finite(key, sample);
          throw NonFiniteError("the loss became " + format_loss(mean) + " " + doing + "; the first non-finite values are in " +
                               where + "; the step's update was not applied and " + kept() + "; try a lower --lr");
        }
        faults::kill_point(step_name + ":update-on-gpu");
        engine->update(state.lr);
        if (faults::nan_weight_at(n)) {  // test-only: a NaN the loss has not seen
          auto first = engine->parameters().read_parameter(0, ParameterPart::Value);
          first[0] = std::nanf("");
          engine->parameters().write_parameter(0, ParameterPart::Value, first);
        }
        faults::kill_point(step_name + ":done");

        faults::log_step(n, mean);
        state.epoch_tally.add(engine->probs(), b->labels,
                              classes);
        result.step_losses.push_back(mean);
        result.last_loss = state.last_loss = mean;
        ++state.step;
        state.batch_in_epoch = b->index_in_epoch + 1;
        ++result.steps;
        state.epoch_seconds = seconds_before + seconds_since(epoch_start);
        state.epoch_data_wait_seconds = wait_before + loader.wait_seconds();

        const double elapsed = seconds_since(epoch_start);
        const std::size_t done = state.batch_in_epoch - loader_config.start_batch;
        const double per_step = elapsed / done;
        const double remaining = per_step * ((steps - state.batch_in_epoch) + steps * (options.epochs - state.epoch - 1));
        progress.step(state.epoch + 1, options.epochs, state.batch_in_epoch, steps, mean, batch / per_step, remaining);

        doing = "while saving the checkpoint after step " + std::to_string(n);
        bool saved = false;
        if (options.checkpoint_every && state.step % options.checkpoint_every == 0) {
          save(state, "checkpoint:" + std::to_string(state.step));
          saved = true;
        }
        if (options.max_steps && result.steps >= options.max_steps) {
          if (!saved) save(state, "checkpoint:" + std::to_string(state.step));
          return result;
        }
      }

      EpochMetrics m;
      m.epoch = state.epoch + 1;
      const auto train_result = state.epoch_tally.result();
      m.train_loss = train_result.loss;
      m.train_top1_error = train_result.top1_error;
      m.train_top5_error = train_result.top5_error;
      m.lr = state.lr;
      m.seconds = seconds_before + seconds_since(epoch_start);
      m.data_wait_seconds = wait_before + loader.wait_seconds();
      const std::string epoch_name = std::to_string(m.epoch);
      if (!options.skip_validation) {
        doing = "while validating epoch " + epoch_name;
        const auto validation_start = Clock::now();
        const auto val = evaluate(predictor, *val_set, augment, norm, false, options.threads);
        progress.validated(seconds_since(validation_start));
        m.val_loss = val.loss;
        m.val_top1_error = val.top1_error;
        m.val_top5_error = val.top5_error;
        result.val_top1_error = val.top1_error;
        result.val_top5_error = val.top5_error;
      }
      faults::kill_point("epoch:" + epoch_name + ":validated");
      history.push_back(m);
      char line[256];
      std::snprintf(line, sizeof line,
                    "epoch %d: train loss %.4f top-1 err %.4f | val loss %.4f top-1 err %.4f top-5 err %.4f | lr %g | "
                    "%.1f s (waited %.1f s for data)",
                    m.epoch, m.train_loss, m.train_top1_error, m.val_loss, m.val_top1_error, m.val_top5_error, m.lr,
                    m.seconds, m.data_wait_seconds);
      progress.line(line);

      // The plateau schedule: divide by 10 when validation loss has not improved for `patience`.
      if (lr_steps.empty() && !options.skip_validation) {
        if (m.val_loss < state.best_val_loss * (1 - 1e-4)) {
          state.best_val_loss = m.val_loss;
          state.epochs_without_improvement = 0;
        } else if (++state.epochs_without_improvement >= options.patience) {
          state.lr /= 10;
          state.epochs_without_improvement = 0;
          progress.line("validation loss stopped improving: lr -> " + std::to_string(state.lr));
        }
      }
      // metrics.csv first: were the run killed between the two, the resumed run (at the older
      // checkpoint) drops the row and writes it again, whereas the other order would lose it.
      write_metrics_csv(out + "metrics.csv", history);
      write_curves_png(out + "curves.png", history);
      faults::kill_point("epoch:" + epoch_name + ":metrics");
      TrainState next = state;
      next.epoch = state.epoch + 1;
      next.batch_in_epoch = 0;
      next.epoch_tally = {};
      next.epoch_seconds = next.epoch_data_wait_seconds = 0;
      doing = "while saving the checkpoint of epoch " + epoch_name;
      save(next, "epoch-checkpoint:" + epoch_name);
      state.batch_in_epoch = 0;
    }
  } catch (const vkrt::DeviceLostError& e) {
    // Nothing on the device can be trusted now, so nothing more is written.
    std::string message = "the Vulkan device was lost " + doing + ": " + e.what() + "; " + kept();
    if (!kept_path.empty()) message += ": continue with --resume " + kept_path;
    throw vkrt::DeviceLostError(message, e.result());
  }
  return result;
}

}  // namespace alexnet
