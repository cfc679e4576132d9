#include "model/paper/ablation.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <tuple>

#include "model/io/checkpoint_io.h"
#include "model/io/faults.h"
#include "model/io/run_state.h"
#include "model/train/evaluate.h"
#include "model/train/predictor.h"
#include "model/train/train_setup.h"
#include "model/train/trainer.h"

namespace alexnet::paper {
namespace fs = std::filesystem;
namespace {

constexpr double kFigure1Error = 0.25;  // the paper's Figure 1: epochs to 25% training error

std::vector<Variant> make_variants() {
  return {
      {"baseline", "the recipe as it is", "37.5% / 17.0% top-1 / top-5 test error (ILSVRC-2010, 90 epochs)", false,
       [](ArchOptions&) {}},
      {"tanh", "tanh instead of ReLU",
       "Figure 1: ReLU reaches 25% training error six times faster than tanh (4-layer CNN, CIFAR-10)", false,
       [](ArchOptions& a) { a.activation = Activation::Tanh; }},
      {"no-lrn", "no local response normalization", "LRN lowers top-1 / top-5 error by 1.4 / 1.2 points", false,
       [](ArchOptions& a) { a.lrn = false; }},
      {"plain-pool", "plain 2x2/2 pooling instead of overlapping 3x3/2",
       "overlapping pooling lowers top-1 / top-5 error by 0.4 / 0.3 points, and overfits slightly less", false,
       [](ArchOptions& a) { a.pool = PoolKind::Plain; }},
      {"no-dropout", "no dropout on fc6 and fc7",
       "without dropout the net overfits substantially; dropout roughly doubles the iterations to converge", false,
       [](ArchOptions& a) { a.dropout = 0; }},
      {"two-devices", "the baseline split over two devices (the paper's two GPUs)",
       "the two-GPU net: 1.7 / 1.2 points lower top-1 / top-5 error than one GPU with half the kernels", true,
       [](ArchOptions&) {}},
      {"half-width", "one device, half the kernels in conv1-conv4, no groups (the paper's one-GPU net)",
       "1.7 / 1.2 points higher top-1 / top-5 error than the two-GPU net", false,
       [](ArchOptions& a) { a.half_width = true; }},
  };
}

nlohmann::json result_json(const VariantResult& r) {
  return {{"name", r.name},
          {"history", r.history},
          {"train_top1_error", r.train_top1_error},
          {"train_top5_error", r.train_top5_error},
          {"test_top1_error", r.test_top1_error},
          {"test_top5_error", r.test_top5_error},
          {"steps", r.steps},
          {"epochs", r.epochs},
          {"seconds", r.seconds},
          {"epochs_to_25", r.epochs_to_25},
          {"seconds_to_25", r.seconds_to_25}};
}

VariantResult result_from_json(const nlohmann::json& j) {
  VariantResult r;
  r.name = j.at("name").get<std::string>();
  r.history = j.at("history").get<std::vector<EpochMetrics>>();
  r.train_top1_error = j.at("train_top1_error").get<double>();
  r.train_top5_error = j.at("train_top5_error").get<double>();
  r.test_top1_error = j.at("test_top1_error").get<double>();
  r.test_top5_error = j.at("test_top5_error").get<double>();
  r.steps = j.at("steps").get<std::uint64_t>();
  r.epochs = j.at("epochs").get<double>();
  r.seconds = j.at("seconds").get<double>();
  r.epochs_to_25 = j.at("epochs_to_25").get<double>();
  r.seconds_to_25 = j.at("seconds_to_25").get<double>();
  return r;
}

// The finished marker: written to a temporary file and renamed, so a kill leaves it whole or absent.
void write_marker(const fs::path& path, const VariantResult& r) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary);
    out << result_json(r).dump(1) << "\n";
    if (!out.flush()) throw std::runtime_error(temporary.string() + ": cannot write the variant's result");
  }
  fs::rename(temporary, path);
}

// Whether the run in `folder` has used its budget (all epochs, or --max-steps steps), and the step
// it stands at; false with no checkpoint yet.
bool budget_spent(const fs::path& checkpoint, const TrainOptions& resolved, std::uint64_t* step) {
  *step = 0;
  if (!fs::exists(checkpoint)) return false;
  const nlohmann::json train = read_checkpoint_header(checkpoint.string()).at("train");
  *step = train.at("step").get<std::uint64_t>();
  const int epoch = train.at("epoch").get<int>();
  return epoch >= resolved.epochs || (resolved.max_steps && *step >= resolved.max_steps);
}

// The numbers of a variant whose training is over, from its last.ckpt, and its final weights
// evaluated on the test split (on one device; checkpoints do not know the layout).
VariantResult finish_variant(const Variant& v, const TrainOptions& o, const DeviceList& devices) {
  const std::string path = o.out_dir + "/last.ckpt";
  const Checkpoint checkpoint = load_checkpoint(path);
  const Arch arch = checkpoint_arch(checkpoint, path);
  const data::Normalization norm = checkpoint_normalization(checkpoint, path);
  const TrainState state = checkpoint_state(checkpoint, path);
  const TrainingData data = open_training_data(o);

  VariantResult r;
  r.name = v.name;
  r.history = state.has_history ? state.history : read_metrics_csv(o.out_dir + "/metrics.csv");
  r.steps = state.step;
  const double steps_per_epoch = double(data.train->size() / std::size_t(state.batch));
  r.epochs = state.epoch + (steps_per_epoch > 0 ? double(state.batch_in_epoch) / steps_per_epoch : 0);
  for (const auto& m : r.history) r.seconds += m.seconds;
  if (state.batch_in_epoch > 0) {  // --max-steps ended an epoch early: its batches so far
    const EvalResult partial = state.epoch_tally.result();
    r.train_top1_error = partial.top1_error;
    r.train_top5_error = partial.top5_error;
    r.seconds += state.epoch_seconds;
  } else if (!r.history.empty()) {
    r.train_top1_error = r.history.back().train_top1_error;
    r.train_top5_error = r.history.back().train_top5_error;
  }
  auto model = open_model(devices, arch, ModelOptions{64, 0, false, {}});
  load_parameters(*model, checkpoint, path);
  Predictor predictor(*model);
  const EvalResult test = evaluate(predictor, *data.val, augment_for(arch, data.source, o.augment), norm, false, o.threads);
  r.test_top1_error = test.top1_error;
  r.test_top5_error = test.top5_error;
  std::tie(r.epochs_to_25, r.seconds_to_25) = time_to_error(r.history, kFigure1Error, 1.0 - 1.0 / arch.classes);
  return r;
}

VariantResult run_variant(const AblationOptions& options, const Variant& v, const AblationDevices& devices,
                          const std::function<void(const std::string&)>& say) {
  TrainOptions o = options.base;
  v.apply(o.arch_options);
  o.out_dir = options.base.out_dir + "/" + v.name;
  o.resume.clear();
  const fs::path marker = fs::path(o.out_dir) / "ablation.json";
  if (fs::exists(marker)) {
    std::ifstream in(marker);
    try {
      VariantResult r = result_from_json(nlohmann::json::parse(in));
      say(v.name + ": finished earlier (" + marker.string() + "), not trained again");
      return r;
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(marker.string() + ": not a variant's result (" + e.what() + "); delete it to redo " +
                               v.name);
    }
  }
  const DeviceList& list = v.two_devices ? devices.two : devices.one;
  if (list.empty()) throw std::invalid_argument("variant " + v.name + " needs two devices (--devices A,B)");
  fs::create_directories(o.out_dir);
  const TrainOptions resolved = resolve(o);
  const fs::path checkpoint = fs::path(o.out_dir) / "last.ckpt";
  std::uint64_t step = 0;
  const bool spent = budget_spent(checkpoint, resolved, &step);
  faults::kill_point("variant:" + v.name + ":begin");
  if (!spent) {
    if (fs::exists(checkpoint)) {  // killed mid-variant: continue where its checkpoint stands
      o.resume = checkpoint.string();
      if (o.max_steps) o.max_steps -= step;
      say(v.name + ": resuming " + o.resume + " after step " + std::to_string(step));
    } else {
      say(v.name + ": " + v.change + " -> " + o.out_dir);
    }
    train(list, o);
  }
  faults::kill_point("variant:" + v.name + ":trained");
  o.resume.clear();
  VariantResult r = finish_variant(v, o, devices.one);
  write_marker(marker, r);
  char line[200];
  std::snprintf(line, sizeof line, "%s: train top-1 error %.4f, test top-1 error %.4f / top-5 %.4f", v.name.c_str(),
                r.train_top1_error, r.test_top1_error, r.test_top5_error);
  say(line);
  return r;
}

}  // namespace

const std::vector<Variant>& all_variants() {
  static const std::vector<Variant> variants = make_variants();
  return variants;
}

std::vector<Variant> choose_variants(const std::string& list) {
  if (list.empty() || list == "all") return all_variants();
  std::vector<std::string> names;
  for (std::size_t pos = 0; pos <= list.size();) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    names.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  std::string choices;
  for (const auto& v : all_variants()) choices += (choices.empty() ? "" : ", ") + v.name;
  for (const auto& name : names) {
    bool known = false;
    for (const auto& v : all_variants()) known = known || v.name == name;
    if (!known) throw std::invalid_argument("unknown variant '" + name + "' (choose from " + choices + ")");
  }
  std::vector<Variant> chosen;
  for (const auto& v : all_variants())
    if (v.name == "baseline" || std::find(names.begin(), names.end(), v.name) != names.end()) chosen.push_back(v);
  return chosen;
}

std::pair<double, double> time_to_error(const std::vector<EpochMetrics>& history, double target, double chance) {
  if (chance <= target) return {0, 0};
  double epoch = 0, error = chance, seconds = 0;
  for (const auto& m : history) {
    const double next_seconds = seconds + m.seconds;
    if (m.train_top1_error <= target) {
      const double t = (error - target) / (error - m.train_top1_error);
      return {epoch + t * (m.epoch - epoch), seconds + t * (next_seconds - seconds)};
    }
    epoch = m.epoch;
    error = m.train_top1_error;
    seconds = next_seconds;
  }
  return {-1, -1};
}

std::vector<VariantResult> run_ablation(const AblationOptions& options, const AblationDevices& devices,
                                        const std::function<void(const std::string&)>& say) {
  if (options.base.out_dir.empty()) throw std::invalid_argument("ablate needs an output folder");
  fs::create_directories(options.base.out_dir);
  std::vector<VariantResult> results;
  for (const auto& v : options.variants) results.push_back(run_variant(options, v, devices, say));
  return results;
}

}  // namespace alexnet::paper
