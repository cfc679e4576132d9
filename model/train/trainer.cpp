// A training run, in the order it happens: the data and where the run starts from
// (train_setup.cpp), the model on its devices, the header, then epoch after epoch of steps,
// validation, metrics and checkpoints.
#include "model/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <memory>
#include <stdexcept>

#include "model/data/loader.h"
#include "model/io/faults.h"
#include "model/io/weights.h"
#include "model/metrics/metrics_csv.h"
#include "model/plot/curves.h"
#include "model/train/evaluate.h"
#include "model/train/loss_scaler.h"
#include "model/train/predictor.h"
#include "model/train/progress.h"
#include "model/train/ranks.h"
#include "model/train/run_folder.h"
#include "model/train/train_setup.h"
#include "runtime/error.h"

namespace alexnet {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string format_loss(double loss) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", loss);
  return text;
}

class TrainingRun {
 public:
  TrainingRun(const DeviceList& devices, const TrainOptions& options, distributed::Communicator& comm);
  TrainResult run();

 private:
  void resume_history();
  void print_header();
  // One epoch's steps; false when --max-steps stopped the run.
  bool train_epoch(const std::vector<int>& lr_steps);
  // One step on `batch` (already staged); `prefetch` runs while the device works on it, to stage
  // the next batch.
  void train_step(const data::Batch& batch, std::size_t steps, const data::Loader& loader,
                  const std::function<void()>& prefetch);
  // Test hooks (model/io/faults.h) that act before step n's work is submitted.
  void inject_faults_before_step(std::uint64_t n);
  // The progress line after a step: images/s and the time left, timed from the epoch's first step.
  void show_step_progress(std::size_t steps, double mean_loss);
  void stage(const data::Batch& batch);
  EpochMetrics finish_epoch(double seconds, double data_wait_seconds);
  void save(TrainState s, const std::string& label);
  std::string kept() const;

  TrainOptions options_;
  TrainingData data_;
  Ranks ranks_;  // the other processes of a data-parallel run (none: every call is free)
  const data::Dataset* val_ = nullptr;  // this rank's part of the validation set
  RunStart start_;
  TrainState& state_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Predictor> predictor_;
  data::AugmentConfig augment_;
  std::string out_, checkpoint_path_;
  std::vector<EpochMetrics> history_;
  nlohmann::json recipe_;
  // Plain lines under mpirun: rank 0's stdout is a pseudo-terminal there even when mpirun's own
  // output is a pipe or a file (Open MPI's), where redraws would leave every bar in the log.
  Progress progress_{{stdout, ::isatty(STDOUT_FILENO) != 0 && !distributed::under_mpi_launcher(), 0}};
  TrainResult result_;
  // The newest checkpoint this run can fall back on, for the error messages.
  std::string kept_path_;
  std::uint64_t kept_step_ = 0;
  std::uint64_t checked_step_ = 0;  // the weights were last seen finite after this step
  std::string doing_;               // where training is, for the device-lost message
  // The epoch in progress: its start, and the seconds and data waits before a resume.
  Clock::time_point epoch_start_, first_step_end_;
  std::vector<float> transform_mean_, transform_scale_;  // the loader's bytes to the network's input
  std::size_t epoch_first_batch_ = 0;
  double seconds_before_ = 0, wait_before_ = 0;
  LossScaleState loss_scale_;  // fp16: the dynamic loss scale (fp32: 1, never skips)
};

TrainingRun::TrainingRun(const DeviceList& devices, const TrainOptions& options, distributed::Communicator& comm)
    : options_(resolve(options)),
      data_(open_training_data(options_)),
      ranks_(comm),
      start_(start_of(options_, data_)),
      state_(start_.state) {
  ranks_.handshake(options_, state_.batch, data_.train->size(), data_.val->size());
  const int batch = state_.batch;  // the global batch: each rank trains on its share
  Progress::phase("compiling pipelines and allocating the network");
  const bool fp16 = options_.precision == Precision::Fp16;
  const int local_batch = ranks_.local_batch(batch);
  if (options_.micro_batch && local_batch % options_.micro_batch != 0)
    throw std::invalid_argument("--micro-batch " + std::to_string(options_.micro_batch) + " does not divide " +
                                (ranks_.size() > 1 ? "each rank's share of the batch, " : "the batch, ") +
                                std::to_string(local_batch));
  model_ = open_model(devices, start_.arch,
                      ModelOptions{local_batch, options_.micro_batch, true, options_.sgd, ranks_.share(batch), options_.precision});
  // The scaler continues a resumed fp16 run's; it starts afresh for a new run or one that was fp32.
  loss_scale_ = initial_loss_scale(fp16);
  loss_scale_.skipped_steps = state_.skipped_steps;
  const bool was_fp16 = state_.recipe.is_object() && state_.recipe.value("precision", std::string("fp32")) == "fp16";
  if (fp16 && state_.loss_scale > 0 && was_fp16) {
    loss_scale_.scale = state_.loss_scale;
    loss_scale_.finite_steps = state_.loss_scale_finite_steps;
  }
  if (data_.train->size() < std::size_t(batch))
    throw std::invalid_argument("the training set has " + std::to_string(data_.train->size()) +
                                " images, fewer than one batch of " + std::to_string(batch));
  if (!start_.resume) {
    if (!data_.source.normalization)
      Progress::phase("computing normalization over " +
                      std::to_string(std::min<std::size_t>(data_.train->size(), 10000)) + " images");
    start_.norm = data_.source.normalization  // packed data: stored by prepare
                      ? *data_.source.normalization
                      : data::compute_normalization(*data_.train, 10000, options_.seed, options_.threads);
    start_.norm = arch_normalization(start_.arch, start_.norm);
  }
  if (start_.resume) {
    load_parameters(*model_, *start_.resume, options_.resume);
  } else {
    model_->initialize(state_.seed);
    if (!options_.init_from.empty()) import_initial_weights(options_, start_, *model_);
  }
  start_.resume.reset();  // the tensors are on the device now
  ranks_.start(*model_);
  val_ = &ranks_.shard(*data_.val);
  predictor_ = std::make_unique<Predictor>(*model_);
  augment_ = augment_for(start_.arch, data_.source, options_.augment);
  if (options_.out_dir.empty()) options_.out_dir = new_run_folder("runs");
  if (ranks_.lead()) std::filesystem::create_directories(options_.out_dir);
  out_ = options_.out_dir + "/";
  checkpoint_path_ = out_ + "last.ckpt";
  // Recorded absolute, so eval finds the run's data from anywhere.
  options_.data_dir = std::filesystem::absolute(options_.data_dir).lexically_normal().string();
  recipe_ = recipe_of(options_);
  result_.parameter_count = model_->parameter_count();
  kept_path_ = options_.resume;
  kept_step_ = checked_step_ = state_.step;
}

// The finished epochs' metrics: from the checkpoint (version 2), else what metrics.csv holds up
// to the checkpoint's epoch; a fresh run starts a new history.
void TrainingRun::resume_history() {
  if (options_.resume.empty()) return;
  history_ = state_.has_history ? state_.history : read_metrics_csv(out_ + "metrics.csv");
  while (!history_.empty() && history_.back().epoch > state_.epoch) history_.pop_back();
  // metrics.csv may be ahead of the checkpoint (killed between the two): make it agree.
  if (ranks_.lead() && (!history_.empty() || std::filesystem::exists(out_ + "metrics.csv"))) {
    write_metrics_csv(out_ + "metrics.csv", history_);
    write_curves_png(out_ + "curves.png", history_);
  }
}

void TrainingRun::print_header() {
  if (!options_.skip_validation) progress_.expect_validation(data_.val->size());  // the ETA counts validation
  for (const auto& line : header_lines(options_, data_, start_, *model_, augment_)) progress_.line(line);
}

std::string TrainingRun::kept() const {
  if (kept_path_.empty()) return "no checkpoint was written yet";
  return kept_path_ + " (after step " + std::to_string(kept_step_) + ") is kept";
}

void TrainingRun::save(TrainState s, const std::string& label) {
  faults::kill_point(label + ":begin");
  ranks_.check_weights(*model_, s.step);
  if (!ranks_.lead()) {  // rank 0 writes the run's one checkpoint; the others keep its name
    kept_path_ = checkpoint_path_;
    kept_step_ = checked_step_ = s.step;
    return;
  }
  s.history = history_;
  s.recipe = recipe_;
  Checkpoint checkpoint;
  try {
    checkpoint = make_checkpoint(*model_, start_.arch, start_.norm, data_.train->class_names(), s);
  } catch (const NonFiniteError& e) {
    // A NaN that never reached the loss (e.g. a gradient that a ReLU then hid): the weights are
    // lost, the last checkpoint is not.
    const std::string steps = checked_step_ + 1 == s.step
                                  ? "the update of step " + std::to_string(s.step)
                                  : "an update in steps " + std::to_string(checked_step_ + 1) + " to " +
                                        std::to_string(s.step);
    throw NonFiniteError(std::string(e.what()) + " after step " + std::to_string(s.step) + " (from " + steps +
                         "; the loss stayed finite); " + kept() + "; try a lower --lr");
  }
  save_checkpoint(checkpoint_path_, checkpoint, label);
  kept_path_ = checkpoint_path_;
  kept_step_ = checked_step_ = s.step;
}

// Batches travel as bytes: the device applies the loader's mean and scale (bit for bit the loader's
// float conversion where there is no PCA shift; model/data/augment.h).
void TrainingRun::stage(const data::Batch& b) {
  model_->stage({{}, b.labels, b.pixels, transform_mean_, transform_scale_});
}

void TrainingRun::train_step(const data::Batch& b, std::size_t steps, const data::Loader& loader,
                             const std::function<void()>& prefetch) {
  const std::uint64_t n = state_.step + 1;  // this step, counted from 1 as in the messages
  const std::string step_name = "step:" + std::to_string(n);
  doing_ = "at step " + std::to_string(n) + " (epoch " + std::to_string(state_.epoch + 1) + ", batch " +
           std::to_string(b.index_in_epoch + 1) + " of " + std::to_string(steps) + ")";
  // Dropout masks are keyed by (seed, step): a resumed run draws the same ones.
  const net::StepKey key{static_cast<std::uint32_t>(state_.seed), static_cast<std::uint32_t>(state_.step), true};
  faults::kill_point(step_name + ":uploaded");
  if (model_->precision() == Precision::Fp16)  // the test hook's scale overflows fp16 for real
    model_->set_loss_scale(faults::overflow_at(n) ? loss_scale_.scale * 0x1p40f : loss_scale_.scale);
  if (result_.steps == 0) Progress::phase("first step (a driver may compile shaders at first use)");
  double sum = 0;
  // Whatever stops this rank is caught and agreed on with the others (Ranks::agree), so every
  // rank stops on it together; alone, it is thrown as it was.
  std::exception_ptr failure;
  const auto compute_start = Clock::now();
  try {
    inject_faults_before_step(n);
    model_->submit_gradients(key);
    faults::kill_point(step_name + ":on-gpu");
    prefetch();  // the next batch's upload overlaps this step
    ranks_.overlap_backward();  // the gradient sums start as the backward pass makes them
    model_->wait();
    const auto loss = model_->loss();
    for (float l : loss) sum += l;
    if (!std::isfinite(sum)) {
      std::size_t sample = 0;
      while (sample + 1 < loss.size() && std::isfinite(loss[sample])) ++sample;
      const std::string where = model_->locate_non_finite(key, sample);
      throw NonFiniteError("the loss became " + format_loss(sum / state_.batch) + " " + doing_ +
                           "; the first non-finite values are in " + where + "; the step's update was not applied and " +
                           kept() + "; try a lower --lr");
    }
  } catch (...) {
    failure = std::current_exception();
  }
  ranks_.add_compute_ms(std::chrono::duration<double, std::milli>(Clock::now() - compute_start).count());
  ranks_.agree(failure);
  const double mean = ranks_.reduce_step(sum, state_.batch, model_->probs(), b.labels, start_.arch.classes,
                                         state_.epoch_tally);
  ranks_.reduce_gradients();
  // fp16: a step whose scaled gradients overflowed changes nothing but the scale (said, never silent).
  std::string skipped;
  const bool apply = model_->precision() == Precision::Fp32 ||
                     loss_scale_after_step(loss_scale_, ranks_.any(model_->gradients_overflowed()), n, skipped);
  if (!skipped.empty()) progress_.line(skipped);
  faults::kill_point(step_name + ":update-on-gpu");
  if (apply) model_->update(state_.lr);
  if (faults::nan_weight_at(n)) {  // test-only: a NaN the loss has not seen
    auto first = model_->read_parameter(0, ParameterPart::Value);
    first[0] = std::nanf("");
    model_->write_parameter(0, ParameterPart::Value, first);
  }
  faults::kill_point(step_name + ":done");

  faults::log_step(n, mean);
  result_.step_losses.push_back(mean);
  result_.last_loss = state_.last_loss = mean;
  ++state_.step;
  state_.loss_scale = loss_scale_.scale;
  state_.loss_scale_finite_steps = loss_scale_.finite_steps;
  state_.skipped_steps = loss_scale_.skipped_steps;
  state_.batch_in_epoch = b.index_in_epoch + 1;
  ++result_.steps;
  state_.epoch_seconds = seconds_before_ + seconds_since(epoch_start_);
  state_.epoch_data_wait_seconds = wait_before_ + loader.wait_seconds();
  show_step_progress(steps, mean);
}

void TrainingRun::inject_faults_before_step(std::uint64_t n) {
  if (faults::device_lost_at(n)) model_->simulate_device_lost();
  if (faults::nan_loss_at(n)) {  // every logit, and so every loss, NaN
    const std::size_t last = model_->parameter_infos().size() - 1;
    auto bias = model_->read_parameter(last, ParameterPart::Value);
    bias.assign(bias.size(), std::nanf(""));
    model_->write_parameter(last, ParameterPart::Value, bias);
  }
}

void TrainingRun::show_step_progress(std::size_t steps, double mean_loss) {
  // Steps are timed from the end of this epoch's first: the first carries the driver's
  // compilation of every pipeline (~40 s on lavapipe), which the remaining steps will not.
  const std::size_t done = state_.batch_in_epoch - epoch_first_batch_;
  if (done == 1) first_step_end_ = Clock::now();
  const double per_step = done > 1 ? seconds_since(first_step_end_) / double(done - 1) : seconds_since(epoch_start_);
  const double remaining = per_step * double((steps - state_.batch_in_epoch) + steps * (options_.epochs - state_.epoch - 1));
  progress_.step(state_.epoch + 1, options_.epochs, state_.batch_in_epoch, steps, mean_loss,
                 state_.batch / per_step, remaining);
}

bool TrainingRun::train_epoch(const std::vector<int>& lr_steps) {
  if (!lr_steps.empty()) state_.lr = step_schedule_lr(options_.lr, lr_steps, state_.epoch);
  data::LoaderConfig config;
  config.batch = state_.batch;
  config.threads = options_.threads;
  config.seed = state_.seed;
  config.epoch = state_.epoch;
  config.start_batch = state_.batch_in_epoch;
  config.output = data::PixelFormat::Uint8;
  config.shards = ranks_.size();  // this rank's share of every batch
  config.shard = ranks_.rank();
  data::Loader loader(*data_.train, augment_, start_.norm, config);
  const data::InputTransform transform = loader.input_transform();
  transform_mean_ = transform.mean;
  transform_scale_ = transform.scale;
  const std::size_t steps = loader.batches_per_epoch();
  // A resumed epoch carries on the sums and times of the part before the checkpoint.
  if (state_.batch_in_epoch == 0) {
    state_.epoch_tally = {};
    state_.epoch_seconds = state_.epoch_data_wait_seconds = 0;
  }
  seconds_before_ = state_.epoch_seconds;
  wait_before_ = state_.epoch_data_wait_seconds;
  epoch_first_batch_ = config.start_batch;
  epoch_start_ = Clock::now();
  std::optional<data::Batch> b = loader.next(), next_batch;
  if (b) stage(*b);
  for (; b; b = std::move(next_batch)) {
    next_batch.reset();
    train_step(*b, steps, loader, [&] {
      if ((next_batch = loader.next())) stage(*next_batch);
    });
    doing_ = "while saving the checkpoint after step " + std::to_string(state_.step);
    bool saved = false;
    if (options_.checkpoint_every && state_.step % options_.checkpoint_every == 0) {
      save(state_, "checkpoint:" + std::to_string(state_.step));
      saved = true;
    }
    if (options_.max_steps && result_.steps >= options_.max_steps) {
      if (!saved) save(state_, "checkpoint:" + std::to_string(state_.step));
      return false;
    }
  }
  const EpochMetrics m = finish_epoch(seconds_before_ + seconds_since(epoch_start_), wait_before_ + loader.wait_seconds());
  // The plateau schedule: divide by 10 when validation loss has not improved for `patience`.
  if (lr_steps.empty() && !options_.skip_validation) {
    if (m.val_loss < state_.best_val_loss * (1 - 1e-4)) {
      state_.best_val_loss = m.val_loss;
      state_.epochs_without_improvement = 0;
    } else if (++state_.epochs_without_improvement >= options_.patience) {
      state_.lr /= 10;
      state_.epochs_without_improvement = 0;
      progress_.line("validation loss stopped improving: lr -> " + std::to_string(state_.lr));
    }
  }
  const std::string epoch_name = std::to_string(m.epoch);
  // metrics.csv first: were the run killed between the two, the resumed run (at the older
  // checkpoint) drops the row and writes it again, whereas the other order would lose it.
  if (ranks_.lead()) {
    write_metrics_csv(out_ + "metrics.csv", history_);
    write_curves_png(out_ + "curves.png", history_);
  }
  faults::kill_point("epoch:" + epoch_name + ":metrics");
  TrainState next = state_;
  next.epoch = state_.epoch + 1;
  next.batch_in_epoch = 0;
  next.epoch_tally = {};
  next.epoch_seconds = next.epoch_data_wait_seconds = 0;
  doing_ = "while saving the checkpoint of epoch " + epoch_name;
  save(next, "epoch-checkpoint:" + epoch_name);
  state_.batch_in_epoch = 0;
  return true;
}

// The epoch's train metrics, its validation, and its line; appended to the history.
EpochMetrics TrainingRun::finish_epoch(double seconds, double data_wait_seconds) {
  EpochMetrics m;
  m.epoch = state_.epoch + 1;
  const auto train_result = state_.epoch_tally.result();
  m.train_loss = train_result.loss;
  m.train_top1_error = train_result.top1_error;
  m.train_top5_error = train_result.top5_error;
  m.lr = state_.lr;
  m.seconds = seconds;
  m.data_wait_seconds = data_wait_seconds;
  m.loss_scale = loss_scale_.scale;
  m.skipped_steps = loss_scale_.skipped_steps;
  const std::string epoch_name = std::to_string(m.epoch);
  if (!options_.skip_validation) {
    doing_ = "while validating epoch " + epoch_name;
    const auto validation_start = Clock::now();
    const auto val = ranks_.reduce(evaluate(*predictor_, *val_, augment_, start_.norm, false, options_.threads));
    progress_.validated(seconds_since(validation_start));
    m.val_loss = val.loss;
    m.val_top1_error = val.top1_error;
    m.val_top5_error = val.top5_error;
    result_.val_top1_error = val.top1_error;
    result_.val_top5_error = val.top5_error;
  }
  faults::kill_point("epoch:" + epoch_name + ":validated");
  history_.push_back(m);
  char line[256];
  std::snprintf(line, sizeof line,
                "epoch %d: train loss %.4f top-1 err %.4f | val loss %.4f top-1 err %.4f top-5 err %.4f | lr %g | "
                "%.1f s (waited %.1f s for data)",
                m.epoch, m.train_loss, m.train_top1_error, m.val_loss, m.val_top1_error, m.val_top5_error, m.lr,
                m.seconds, m.data_wait_seconds);
  progress_.line(line);
  return m;
}

TrainResult TrainingRun::run() {
  resume_history();
  print_header();
  const std::vector<int> lr_steps = parse_step_schedule(options_.lr_schedule);
  if (!options_.resume.empty() && state_.epoch >= options_.epochs) {
    // A finished run: nothing is trained and no checkpoint written (metrics.csv and curves.png
    // were redrawn from its history above); the result is its last epoch's.
    progress_.line("nothing to train: " + options_.resume + " has finished all " + std::to_string(options_.epochs) +
                   " epochs; give a larger --epochs to train further");
    if (!history_.empty() && !options_.skip_validation) {
      result_.val_top1_error = history_.back().val_top1_error;
      result_.val_top5_error = history_.back().val_top5_error;
    }
  }
  try {
    for (; state_.epoch < options_.epochs; ++state_.epoch)
      if (!train_epoch(lr_steps)) break;
  } catch (const vkrt::DeviceLostError& e) {
    // Nothing on the device can be trusted now, so nothing more is written.
    std::string message = "the Vulkan device was lost " + doing_ + ": " + e.what() + "; " + kept();
    if (!kept_path_.empty()) message += ": continue with --resume " + kept_path_;
    throw vkrt::DeviceLostError(message, e.result());
  }
  if (const std::string line = ranks_.summary(); !line.empty()) progress_.line(line);
  return result_;
}

}  // namespace

TrainResult train(const DeviceList& devices, const TrainOptions& options) {
  return train(devices, options, *distributed::single_process());
}

TrainResult train(const DeviceList& devices, const TrainOptions& options, distributed::Communicator& comm) {
  try {
    TrainingRun run(devices, options, comm);
    return run.run();
  } catch (const distributed::DistributedError&) {
    throw;  // names its ranks already
  } catch (const std::exception& e) {
    if (comm.size() == 1) throw;
    // Every rank learnt the same failure (Ranks::agree): say which rank it was on.
    const int rank = comm.agreed_failure() ? comm.agreed_failure()->rank : comm.rank();
    throw distributed::DistributedError("rank " + std::to_string(rank) + " of " + std::to_string(comm.size()) + ": " +
                                        e.what());
  }
}

}  // namespace alexnet
