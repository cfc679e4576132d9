// `alexnet_vk ablate`: the paper's ablations (model/paper/ablation.h) trained one after the other
// into DIR/<variant>/, then DIR/ablations.csv, ablations.md and ablations.png. Running the same
// command again after a kill continues where it stopped; finished variants are not retrained.
#include <cstdio>
#include <string>

#include "apps/alexnet_vk/commands.h"
#include "model/paper/ablation.h"
#include "model/paper/ablation_report.h"
#include "model/train/train_setup.h"

namespace alexnet::app {
namespace {

struct AblateFlags {
  paper::AblationOptions options;
  std::string variants;
  int device = 0;
  std::vector<int> devices;  // the two-device variant's; default: --device twice
};

// "alexnet-small on /usr/share/..., the first 6400 training images, 3 epochs of batch 128, ..."
std::string budget_line(const TrainOptions& o) {
  const TrainOptions r = resolve(o);
  char text[512];
  std::snprintf(text, sizeof text,
                "Every variant: %s on %s, %s training images, %s test images, %d epochs%s of batch %d, lr %g (%s), "
                "seed %llu; the same recipe otherwise.",
                r.arch.c_str(), r.data_dir.c_str(),
                r.max_train_examples ? ("the first " + std::to_string(r.max_train_examples)).c_str() : "all",
                r.max_val_examples ? ("the first " + std::to_string(r.max_val_examples)).c_str() : "all", r.epochs,
                r.max_steps ? (" (at most " + std::to_string(r.max_steps) + " steps)").c_str() : "", r.batch, r.lr,
                r.lr_schedule.c_str(), static_cast<unsigned long long>(r.seed));
  return text;
}

}  // namespace

Runner add_ablate_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand(
      "ablate", "train the baseline and each of the paper's single changes, and tabulate them (resumable)");
  auto f = std::make_shared<AblateFlags>();
  TrainOptions& o = f->options.base;
  command->add_option("--arch", o.arch, "alexnet or alexnet-small")
      ->check(CLI::IsMember({"alexnet", "alexnet-small"}))
      ->capture_default_str();
  command->add_option("--data", o.data_dir, "IDX folder, ImageNet-layout folder or packed data")->capture_default_str();
  command->add_option("--epochs", o.epochs, "epochs per variant (default: the architecture's)")
      ->check(CLI::PositiveNumber);
  command->add_option("--max-steps", o.max_steps, "at most N steps per variant (for quick checks)");
  command->add_option("--batch", o.batch, "images per SGD step")->capture_default_str();
  command->add_option("--lr", o.lr, "initial learning rate (default: the architecture's)");
  command->add_option("--lr-schedule", o.lr_schedule, "as for train")->capture_default_str();
  command->add_option("--seed", o.seed, "the seed every variant shares")->capture_default_str();
  command->add_option("--train-limit", o.max_train_examples, "use only the first N training images");
  command->add_option("--val-limit", o.max_val_examples, "test on only the first N test images");
  command->add_option("--checkpoint-every", o.checkpoint_every, "also checkpoint every N steps (0: per epoch)");
  command->add_option("--threads", o.threads, "data loader threads");
  command->add_option("--out", o.out_dir, "folder for the variants' runs and the tables")->required();
  command->add_option("--variants", f->variants,
                      "comma-separated: tanh, no-lrn, plain-pool, no-dropout, two-devices, half-width (default: all; "
                      "the baseline always trains)");
  command->add_option("--device", f->device, "device for the one-device variants")->capture_default_str();
  command->add_option("--devices", f->devices, "the two-device variant's devices (default: --device twice)")
      ->delimiter(',')
      ->expected(2)
      ->check(CLI::NonNegativeNumber);

  return [f, &global]() {
    paper::AblationOptions options = f->options;
    options.variants = paper::choose_variants(f->variants);
    resolve(options.base);  // a bad --lr or schedule is reported before anything trains
    auto instance = open_instance(global);
    DeviceChoice one, two;
    one.device = f->device;
    two.devices = f->devices.empty() ? std::vector<int>{f->device, f->device} : f->devices;
    const OpenedDevices single = open_devices(*instance, one);
    OpenedDevices pair;
    for (const auto& v : options.variants)
      if (v.two_devices) pair = open_devices(*instance, two);
    const auto results = paper::run_ablation(options, {single.list(), pair.list()},
                                             [](const std::string& line) { std::printf("ablate: %s\n", line.c_str()); });
    const std::string dir = options.base.out_dir + "/";
    paper::write_ablation_csv(dir + "ablations.csv", options.variants, results);
    paper::write_ablation_markdown(dir + "ablations.md", options.variants, results, budget_line(options.base));
    paper::write_ablation_png(dir + "ablations.png", results);
    std::printf("wrote %sablations.csv, %sablations.md and %sablations.png\n", dir.c_str(), dir.c_str(), dir.c_str());
    return 0;
  };
}

}  // namespace alexnet::app
