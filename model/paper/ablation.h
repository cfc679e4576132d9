// The paper's ablations (`alexnet_vk ablate`): the baseline and each single change the paper
// measured (tanh instead of ReLU, no LRN, plain 2x2/2 pooling, no dropout, two devices against one
// half-width net), trained one after the other with the same seed, data, recipe and budget.
//
// Each variant trains into DIR/<variant>/ as an ordinary run folder (metrics.csv, curves.png,
// last.ckpt), so any of them can be looked at, evaluated or resumed with the usual commands. When
// a variant is done its final numbers go to DIR/<variant>/ablation.json (written atomically), the
// marker that it is finished: an ablation killed at any point and started again with the same
// command skips the finished variants, resumes the interrupted one from its last.ckpt, and trains
// the rest.
//
// Kill points (model/io/faults.h, ALEXNET_VK_TEST_KILL_AT), for the resume tests:
//   variant:NAME:begin     before variant NAME trains (or resumes)
//   variant:NAME:trained   NAME's training is over (last.ckpt final), its result not yet written
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/metrics/metrics_csv.h"
#include "model/model.h"
#include "model/train/train_options.h"

namespace alexnet::paper {

struct Variant {
  std::string name;    // its folder and its row: "baseline", "tanh", "no-lrn", ...
  std::string change;  // what differs from the baseline, in words
  std::string paper;   // what the paper reports for this change
  bool two_devices = false;  // trained on the two-device split (the paper's two GPUs)
  std::function<void(ArchOptions&)> apply;  // the single change to the baseline's architecture
};

// Every variant, the baseline first.
const std::vector<Variant>& all_variants();
// The variants named in `list` ("tanh,no-lrn"; "" or "all": every one), in the table's order, the
// baseline always included (the others are compared with it). Throws std::invalid_argument naming
// an unknown variant and the choices.
std::vector<Variant> choose_variants(const std::string& list);

// What one variant gave: its per-epoch history and the numbers of the table.
struct VariantResult {
  std::string name;
  std::vector<EpochMetrics> history;  // metrics.csv: per epoch, training and test error
  double train_top1_error = 0, train_top5_error = 0;  // over the last (possibly partial) epoch
  double test_top1_error = 0, test_top5_error = 0;    // the final weights on the test split
  std::uint64_t steps = 0;
  double epochs = 0;   // epochs trained (fractional when --max-steps ended one early)
  double seconds = 0;  // training time, summed over the epochs (and the partial one)
  // The paper's Figure 1 measure: epochs (and seconds) of training until the training error of an
  // epoch reaches 25%, linearly interpolated between epoch ends (from chance error at epoch 0);
  // negative when never reached.
  double epochs_to_25 = -1, seconds_to_25 = -1;
};

// The Figure 1 measure over a history (see VariantResult); `chance` is the error at epoch 0.
// Returns {epochs, seconds}, both negative when no epoch reached `target`.
std::pair<double, double> time_to_error(const std::vector<EpochMetrics>& history, double target, double chance);

struct AblationOptions {
  TrainOptions base;               // the recipe and budget every variant shares; out_dir = DIR
  std::vector<Variant> variants;   // choose_variants()
};

// The devices: `one` for every variant but the two-device one, which trains on `two`.
struct AblationDevices {
  DeviceList one, two;
};

// Trains (or resumes, or skips when finished) every variant in order and returns their results;
// `say` gets one line per variant as it starts and finishes. Throws what train() throws.
std::vector<VariantResult> run_ablation(const AblationOptions& options, const AblationDevices& devices,
                                        const std::function<void(const std::string&)>& say);

}  // namespace alexnet::paper
