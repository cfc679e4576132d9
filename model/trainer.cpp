#include "model/trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "model/checkpoint_io.h"
#include "model/data/loader.h"
#include "model/evaluate.h"
#include "model/metrics.h"
#include "model/predictor.h"
#include "model/progress.h"
#include "model/subset_dataset.h"
#include "runtime/context.h"
#include "runtime/stream.h"

namespace alexnet {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Device buffers for one training step: host-visible staging for the batch and the results,
// device-local copies the shaders read and write.
struct StepBuffers {
  vkrt::Buffer images_staging, labels_staging, images, labels, loss, probs, loss_readback, probs_readback, lr;
  StepBuffers(vkrt::Context& context, const Network& network, int batch) {
    auto& a = context.allocator();
    const std::size_t in = network.input_count(), classes = network.arch().classes;
    images_staging = a.allocate(batch * in * 4, vkrt::Intent::Upload);
    labels_staging = a.allocate(batch * 4, vkrt::Intent::Upload);
    images = a.allocate(batch * in * 4, vkrt::Intent::DeviceLocal);
    labels = a.allocate(batch * 4, vkrt::Intent::DeviceLocal);
    loss = a.allocate(batch * 4, vkrt::Intent::DeviceLocal);
    probs = a.allocate(batch * classes * 4, vkrt::Intent::DeviceLocal);
    loss_readback = a.allocate(batch * 4, vkrt::Intent::Readback);
    probs_readback = a.allocate(batch * classes * 4, vkrt::Intent::Readback);
    lr = a.allocate(4, vkrt::Intent::Upload);
  }
};

void record_step(vkrt::Stream& stream, Network& network, StepBuffers& b, int batch, const net::StepKey& key,
                 const SgdConfig& sgd) {
  stream.begin();
  stream.copy(b.images_staging, b.images);
  stream.copy(b.labels_staging, b.labels);
  stream.barrier();
  network.record_train_step(stream, b.images, b.labels, batch, key, b.lr, sgd, b.loss, b.probs);
  stream.copy(b.loss, b.loss_readback);
  stream.copy(b.probs, b.probs_readback);
  stream.end();
}

struct EpochTally {
  Tally tally;
  double seconds = 0;
};

}  // namespace

std::vector<int> parse_step_schedule(const std::string& schedule) {
  if (schedule == "plateau") return {};
  if (schedule.rfind("step:", 0) != 0)
    throw std::invalid_argument("--lr-schedule must be 'plateau' or 'step:E1,E2,...', got '" + schedule + "'");
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

TrainResult train(vkrt::Context& context, const TrainOptions& options) {
  if (options.batch < 1) throw std::invalid_argument("--batch must be at least 1");
  if (options.epochs < 1) throw std::invalid_argument("--epochs must be at least 1");
  if (!(options.lr > 0)) throw std::invalid_argument("--lr must be positive");
  const std::vector<int> lr_steps = parse_step_schedule(options.lr_schedule);

  // ---- data ----
  DataSource source = open_data(options.data_dir);
  std::unique_ptr<data::Dataset> train_subset, val_subset;
  const data::Dataset* train_set = source.train.get();
  const data::Dataset* val_set = source.val.get();
  if (options.max_train_examples) train_set = (train_subset = std::make_unique<SubsetDataset>(*train_set, options.max_train_examples)).get();
  if (options.max_val_examples) val_set = (val_subset = std::make_unique<SubsetDataset>(*val_set, options.max_val_examples)).get();
  if (train_set->size() < std::size_t(options.batch))
    throw std::invalid_argument("the training set has " + std::to_string(train_set->size()) +
                                " images, fewer than one batch of " + std::to_string(options.batch));

  // ---- network, normalization and state: fresh, or from the checkpoint ----
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
    norm = data::compute_normalization(*train_set, 10000, options.seed, options.threads);
    norm.pixel_scale = arch.pixel_scale;
    state.lr = options.lr;
    state.seed = options.seed;
    state.batch = options.batch;
    state.data_kind = source.kind;
  }
  const int batch = state.batch;
  const int micro_batch = Network::choose_micro_batch(context, arch, batch);
  Network network(context, arch, micro_batch);
  if (resume) load_parameters(network, *resume, options.resume);
  else network.initialize(state.seed);
  const auto augment = augment_for(arch, source, options.augment);

  std::filesystem::create_directories(options.out_dir);
  const std::string out = options.out_dir + "/";
  std::vector<EpochMetrics> history = read_metrics_csv(out + "metrics.csv");
  // A resumed run keeps the history up to its checkpoint; a fresh run starts a new one.
  if (!resume) history.clear();
  while (!history.empty() && history.back().epoch > state.epoch) history.pop_back();

  Progress progress;
  const std::size_t params = network.parameter_count();
  progress.line("alexnet_vk train: " + arch.name + " " + std::to_string(arch.in_channels) + "x" +
                std::to_string(arch.in_size) + "x" + std::to_string(arch.in_size) + ", " + std::to_string(arch.classes) +
                " classes, " + std::to_string(params) + " parameters (" +
                std::to_string(static_cast<int>(std::round(params / 1e6))) + "M); batch " + std::to_string(batch) +
                " (micro-batch " + std::to_string(micro_batch) + "), device " + context.info().name);
  progress.line("data: " + options.data_dir + " (" + std::to_string(train_set->size()) + " train, " +
                std::to_string(val_set->size()) + " val); output: " + options.out_dir +
                (resume ? "; resuming at epoch " + std::to_string(state.epoch + 1) + " step " + std::to_string(state.step)
                        : ""));

  StepBuffers buffers(context, network, batch);
  vkrt::Stream stream(context);
  Predictor predictor(network);
  TrainResult result;
  result.parameter_count = params;
  const int classes = arch.classes;

  auto save = [&](const TrainState& s) {
    save_checkpoint(out + "last.ckpt", make_checkpoint(network, norm, train_set->class_names(), s));
  };

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
    EpochTally epoch;
    const auto epoch_start = Clock::now();
    while (auto b = loader.next()) {
      std::memcpy(buffers.images_staging.mapped(), b->images.data(), b->images.size() * sizeof(float));
      std::memcpy(buffers.labels_staging.mapped(), b->labels.data(), b->labels.size() * sizeof(std::int32_t));
      *static_cast<float*>(buffers.lr.mapped()) = state.lr;
      // Dropout masks are keyed by (seed, step): a resumed run draws the same ones.
      const net::StepKey key{static_cast<std::uint32_t>(state.seed), static_cast<std::uint32_t>(state.step), true};
      record_step(stream, network, buffers, batch, key, options.sgd);
      stream.submit_and_wait();

      const auto loss = buffers.loss_readback.host_span<float>().first(batch);
      double sum = 0;
      for (float l : loss) sum += l;
      const double mean = sum / batch;
      if (!std::isfinite(mean))
        throw std::runtime_error("loss became " + std::to_string(mean) + " at step " + std::to_string(state.step) +
                                 "; try a lower --lr");
      epoch.tally.add(buffers.probs_readback.host_span<float>().first(std::size_t(batch) * classes), b->labels, classes);
      result.step_losses.push_back(mean);
      result.last_loss = state.last_loss = mean;
      ++state.step;
      state.batch_in_epoch = b->index_in_epoch + 1;
      ++result.steps;

      const double elapsed = seconds_since(epoch_start);
      const std::size_t done = state.batch_in_epoch - loader_config.start_batch;
      const double per_step = elapsed / done;
      const double remaining = per_step * ((steps - state.batch_in_epoch) + steps * (options.epochs - state.epoch - 1));
      progress.step(state.epoch + 1, options.epochs, state.batch_in_epoch, steps, mean, batch / per_step, remaining);

      if (options.checkpoint_every && state.step % options.checkpoint_every == 0) save(state);
      if (options.max_steps && result.steps >= options.max_steps) {
        save(state);
        return result;
      }
    }
    epoch.seconds = seconds_since(epoch_start);

    EpochMetrics m;
    m.epoch = state.epoch + 1;
    const auto train_result = epoch.tally.result();
    m.train_loss = train_result.loss;
    m.train_top1_error = train_result.top1_error;
    m.train_top5_error = train_result.top5_error;
    m.lr = state.lr;
    m.seconds = epoch.seconds;
    m.data_wait_seconds = loader.wait_seconds();
    if (!options.skip_validation) {
      const auto val = evaluate(predictor, *val_set, augment, norm, false, options.threads);
      m.val_loss = val.loss;
      m.val_top1_error = val.top1_error;
      m.val_top5_error = val.top5_error;
      result.val_top1_error = val.top1_error;
      result.val_top5_error = val.top5_error;
    }
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
    TrainState next = state;
    next.epoch = state.epoch + 1;
    next.batch_in_epoch = 0;
    save(next);
    state.batch_in_epoch = 0;
    write_metrics_csv(out + "metrics.csv", history);
    write_curves_png(out + "curves.png", history);
  }
  return result;
}

}  // namespace alexnet
