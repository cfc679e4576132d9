// `alexnet_vk train`: train AlexNet (or the small variant) on IDX files or an ImageNet-layout folder.
// Its options are the recipe table (model/train/recipe.h), bound to flags here.
//
// ALEXNET_VK_VALIDATION=sync runs it under the Khronos validation layer with synchronization
// validation on (hazards between commands and submissions; slow), for tests and debugging.
// The test-only fault hooks (ALEXNET_VK_TEST_*) are described in model/io/faults.h.
//
// Under an MPI launcher (mpirun -np N alexnet_vk train ...) each process is one rank of a
// data-parallel run (model/train/ranks.h): local rank r takes device r mod the device count unless
// --device or --devices says otherwise, rank 0 chooses the run folder, prints and writes the files;
// the other ranks print only an error that is theirs alone.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include "apps/alexnet_vk/commands.h"
#include "model/distributed/communicator.h"
#include "model/train/run_folder.h"
#include "runtime/environment.h"
#include "model/train/trainer.h"

namespace alexnet::app {
namespace {

// Binds each option of the table to a flag of `command`, remembering the flag by name.
struct FlagBinder {
  CLI::App* command;
  std::map<std::string, CLI::Option*>& flags;

  std::string flag(const OptionInfo& info) const { return std::string("--") + info.name; }
  void range(const OptionInfo& info, CLI::Option* option) const {
    if (std::isfinite(info.min) || std::isfinite(info.max)) option->check(CLI::Range(info.min, info.max));
  }
  template <class T>
  void operator()(const OptionInfo& info, T& field) {
    if (!info.on_command_line) return;
    CLI::Option* option = command->add_option(flag(info), field, info.help);
    if (info.show_default) option->capture_default_str();
    range(info, option);
    flags[info.name] = option;
  }
  template <class E>
  void operator()(const OptionInfo& info, Named<E> named) {
    std::vector<std::string> names;
    std::string current;
    for (const auto& [name, value] : named.names) {
      names.push_back(name);
      if (value == named.value) current = name;
    }
    CLI::Option* option = command->add_option_function<std::string>(
        flag(info),
        [target = &named.value, table = named.names](const std::string& text) {
          for (const auto& [name, value] : table)
            if (text == name) *target = value;
        },
        info.help);
    option->check(CLI::IsMember(names));
    if (info.show_default) option->default_str(current);
    flags[info.name] = option;
  }
  template <class T>
  void operator()(const OptionInfo& info, Flag<T> f) {
    if (!info.on_command_line) return;
    flags[info.name] = command->add_flag_function(
        flag(info), [target = &f.target, value = f.when_given](std::int64_t) { *target = value; }, info.help);
  }
};

}  // namespace

int run_train(const GlobalOptions& global, TrainOptions options, const std::map<std::string, CLI::Option*>& flags,
              DeviceChoice device, CLI::App* command, distributed::Communicator& comm);

namespace {

// This process's communicator. When there can be none (a build without MPI under mpirun), every
// rank fails alike: rank 0 alone says so (a rank whose stderr cannot be silenced says it too).
distributed::Communicator& open_world() {
  try {
    return distributed::world();
  } catch (const distributed::DistributedError&) {
    if (distributed::rank_given_by_launcher() > 0) (void)!std::freopen("/dev/null", "w", stderr);
    throw;
  }
}

}  // namespace

Runner add_train_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("train", "train on a data set (default: Fashion-MNIST, alexnet-small)");
  auto o = std::make_shared<TrainOptions>();
  auto device = std::make_shared<DeviceChoice>();
  auto flags = std::make_shared<std::map<std::string, CLI::Option*>>();
  visit_options(*o, FlagBinder{command, *flags});
  flags->at("no-crop")->excludes(flags->at("crop"));
  add_device_options(command, device);

  return [=, &global]() {
    distributed::Communicator& comm = open_world();  // MPI under a launcher, else one process
    if (comm.rank() != 0 && !std::freopen("/dev/null", "w", stdout))  // rank 0 alone reports progress
      throw std::runtime_error("rank " + std::to_string(comm.rank()) + ": cannot silence stdout");
    try {
      return run_train(global, *o, *flags, *device, command, comm);
    } catch (...) {
      // A failure every rank agreed on is printed by rank 0 alone, and every rank finalizes MPI
      // at exit (after the line is out); any other failure leaves without, so the launcher stops
      // the job at once.
      bool agreed = comm.agreed_failure().has_value();
      if (agreed && comm.rank() != 0 && !std::freopen("/dev/null", "w", stderr)) agreed = false;
      distributed::finish(agreed);
      throw;
    }
  };
}

int run_train(const GlobalOptions& global, TrainOptions options, const std::map<std::string, CLI::Option*>& flags,
              DeviceChoice device, CLI::App* command, distributed::Communicator& comm) {
  // On --resume, every recorded option not given here comes from the checkpoint.
  std::set<std::string> given;
  for (const auto& [name, option] : flags)
    if (option->count() > 0) given.insert(name);
  inherit_recipe(options, given);
  // Runs are never lost: a new folder unless --out names one, and not one holding another run.
  // Rank 0 chooses and checks the folder; the others learn its name (or its refusal).
  std::optional<distributed::Failure> refused;
  if (comm.rank() == 0) {
    try {
      if (options.out_dir.empty()) {
        std::string note;
        options.out_dir = new_run_folder("runs", &note);
        if (!note.empty()) std::printf("note: %s\n", note.c_str());
      } else {
        refuse_existing_run(options.out_dir, !options.resume.empty(), options.force);
      }
    } catch (const std::exception& e) {
      refused = distributed::Failure{0, distributed::FailureKind::Error, e.what()};
    }
  }
  if (const auto f = comm.first_failure(refused)) throw std::invalid_argument(f->message);
  options.out_dir = comm.broadcast(options.out_dir, 0);
  std::unique_ptr<vkrt::Instance> instance;
  if (vkrt::switches().validation == vkrt::Switches::Validation::Sync) {
    vkrt::InstanceOptions sync;
    sync.validation = vkrt::Validation::Required;
    sync.synchronization_validation = true;
    instance = std::make_unique<vkrt::Instance>(sync);
    if (instance->physical_devices().empty()) throw vkrt::Error("no Vulkan device found");
  } else {
    instance = open_instance(global);
  }
  const bool chosen = command->get_option("--device")->count() > 0 || command->get_option("--devices")->count() > 0;
  if (comm.size() > 1 && !chosen) {  // local rank r: device r mod count
    const int count = static_cast<int>(instance->physical_devices().size());
    device.device = count > 0 ? comm.local_rank() % count : 0;
  }
  auto devices = open_devices(*instance, device);
  const auto result = train(devices.list(), options, comm);
  if (result.val_top1_error >= 0) {
    std::printf("final: ");
    if (result.steps > 0) std::printf("loss %.4f, ", result.last_loss);  // none when a finished run is resumed
    std::printf("val top-1 error %.4f (accuracy %.2f%%), top-5 error %.4f\n", result.val_top1_error,
                100 * (1 - result.val_top1_error), result.val_top5_error);
  } else
    std::printf("final: loss %.6f after %llu steps\n", result.last_loss, static_cast<unsigned long long>(result.steps));
  return 0;
}

}  // namespace alexnet::app
