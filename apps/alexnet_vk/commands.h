// The subcommands of `alexnet_vk`. Each registers its options on the CLI11 app and, when chosen,
// runs and returns the process exit code. Errors are thrown and reported by main() as one line.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>

#include "runtime/check.h"
#include "runtime/context.h"

namespace alexnet::app {

// Options every subcommand shares.
struct GlobalOptions {
  bool validation = false;  // --validation or ALEXNET_VK_VALIDATION=1
};

// Creates the Vulkan instance for a command; throws a one-line error when no driver is found.
std::unique_ptr<vkrt::Instance> open_instance(const GlobalOptions& options);

using Runner = std::function<int()>;

// Each returns what to run when its subcommand was chosen.
Runner add_devices_command(CLI::App& app, const GlobalOptions& global);
Runner add_verify_command(CLI::App& app, const GlobalOptions& global);
Runner add_train_command(CLI::App& app, const GlobalOptions& global);
Runner add_bench_command(CLI::App& app, const GlobalOptions& global);
Runner add_eval_command(CLI::App& app, const GlobalOptions& global);
Runner add_predict_command(CLI::App& app, const GlobalOptions& global);
Runner add_export_command(CLI::App& app, const GlobalOptions& global);

}  // namespace alexnet::app
