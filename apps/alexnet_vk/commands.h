// The subcommands of `alexnet_vk`. Each registers its options on the CLI11 app and, when chosen,
// runs and returns the process exit code. Errors are thrown and reported by main() as one line.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "model/model.h"
#include "runtime/error.h"
#include "runtime/context.h"

namespace alexnet::app {

// Options every subcommand shares.
struct GlobalOptions {
  bool validation = false;  // --validation or ALEXNET_VK_VALIDATION=1
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

}  // namespace alexnet::app
