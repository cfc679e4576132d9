// The subcommands of `alexnet_vk`. Each registers its options on the CLI11 app and, when chosen,
// runs and returns the process exit code. Errors are thrown and reported by main() as one line.
//
// Exit codes, the same for every command (README and --help say so too):
//   0  done; 1  an error stopped the command; 2  bad command line (CLI11's errors and UsageError);
//   3  a check failed (verify: some op disagrees with the CPU reference).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "model/model.h"
#include "runtime/error.h"
#include "runtime/context.h"

namespace alexnet::app {

enum ExitCode : int { kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitCheckFailed = 3 };

// A command line that parsed but makes no sense (found by a runner, not by CLI11): exit code 2.
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Options every subcommand shares; given before or after the subcommand's name.
struct GlobalOptions {
  bool validation = false;       // --validation or ALEXNET_VK_VALIDATION=1
  bool no_pipeline_cache = false;  // --no-pipeline-cache (or ALEXNET_VK_PIPELINE_CACHE=0)
};

// Creates the Vulkan instance for a command; throws a one-line error when no driver is found.
std::unique_ptr<vkrt::Instance> open_instance(const GlobalOptions& options);

// --device N, or --devices A,B: the network split over two devices as in the paper (the same index
// twice gives two logical devices on one GPU).
struct DeviceChoice {
  int device = 0;
  std::vector<int> devices;  // empty, or the two indices of --devices
};
void add_device_options(CLI::App* command, const std::shared_ptr<DeviceChoice>& choice);

// --precision fp32|fp16 for the commands outside the recipe table (eval, predict, bench): the
// same names as train's (precision_choices()); a bad value is CLI11's one-line error.
void add_precision_option(CLI::App* command, const std::shared_ptr<Precision>& precision);
// --gemm-path auto|tiled|texel|coopmat (bench): the layers' product path (gemm_path_choices());
// `path` must outlive the parse.
void add_gemm_path_option(CLI::App* command, GemmPath& path);

struct OpenedDevices {
  std::vector<std::unique_ptr<vkrt::Context>> contexts;  // one, or two with --devices
  DeviceList list() const;                               // what open_model() takes
};
OpenedDevices open_devices(const vkrt::Instance& instance, const DeviceChoice& choice);

using Runner = std::function<int()>;

// Each returns what to run when its subcommand was chosen.
Runner add_devices_command(CLI::App& app, const GlobalOptions& global);
Runner add_verify_command(CLI::App& app, const GlobalOptions& global);
Runner add_train_command(CLI::App& app, const GlobalOptions& global);
Runner add_bench_command(CLI::App& app, const GlobalOptions& global);
Runner add_eval_command(CLI::App& app, const GlobalOptions& global);
Runner add_predict_command(CLI::App& app, const GlobalOptions& global);
Runner add_export_command(CLI::App& app, const GlobalOptions& global);
Runner add_prepare_command(CLI::App& app, const GlobalOptions& global);
// The paper's claims and figures (model/paper/).
Runner add_ablate_command(CLI::App& app, const GlobalOptions& global);
Runner add_filters_command(CLI::App& app, const GlobalOptions& global);
Runner add_neighbours_command(CLI::App& app, const GlobalOptions& global);

}  // namespace alexnet::app
