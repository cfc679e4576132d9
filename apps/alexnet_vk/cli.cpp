// See cli.h.
#include "apps/alexnet_vk/cli.h"

#ifndef ALEXNET_VK_VERSION
#error "ALEXNET_VK_VERSION comes from CMakeLists.txt's project(VERSION): link the alexnet_version target"
#endif

namespace alexnet::app {
namespace {

constexpr const char* kFooter =
    "Global options may come before or after the command, e.g. `alexnet_vk verify --validation`.\n"
    "Exit status: 0 done; 1 an error stopped the command; 2 bad command line;\n"
    "3 a check failed (verify: an op disagrees with the CPU reference).";

// `alexnet_vk --device 1 verify` means `alexnet_vk verify --device 1`: the top-level value goes to
// the chosen command's own option, with the checks CLI11 would have made there.
void pass_device_down(CLI::App& app, const CLI::Option& global_device) {
  if (global_device.count() == 0) return;
  for (CLI::App* command : app.get_subcommands()) {
    CLI::Option* own = command->get_option_no_throw("--device");
    if (!own) throw CLI::ValidationError("--device", "the " + command->get_name() + " command uses no device");
    if (own->count() > 0)
      throw CLI::ValidationError("--device", "given both before and after " + command->get_name());
    for (const CLI::Option* other : own->get_excludes())
      if (other->count() > 0) throw CLI::ExcludesError("--device", other->get_name());
    for (const std::string& value : global_device.results()) own->add_result(value);
    own->run_callback();
  }
}

}  // namespace

const char* version_line() { return "alexnet_vk " ALEXNET_VK_VERSION; }

std::unique_ptr<Cli> make_cli() {
  auto cli = std::make_unique<Cli>();
  CLI::App& app = cli->app;
  app.require_subcommand(0, 1);
  app.fallthrough();  // inherited by the subcommands added below: the global options work after them
  app.footer(kFooter);
  app.set_version_flag("--version", version_line());
  app.add_flag("--validation", cli->global.validation,
               "enable the Khronos validation layer (also ALEXNET_VK_VALIDATION=1)");
  app.add_flag("--no-pipeline-cache", cli->global.no_pipeline_cache,
               "neither read nor write the compiled-pipeline cache (also ALEXNET_VK_PIPELINE_CACHE=0)");
  CLI::Option* device = app.add_option("--device", "device index for commands that take one (see `alexnet_vk devices`)")
                            ->type_name("INT");
  app.final_callback([&app, device] { pass_device_down(app, *device); });

  auto add = [&](Runner (*adder)(CLI::App&, const GlobalOptions&)) {
    const auto before = app.get_subcommands({}).size();
    Runner runner = adder(app, cli->global);
    cli->commands.emplace_back(app.get_subcommands({})[before], std::move(runner));
  };
  add(&add_devices_command);
  add(&add_verify_command);
  add(&add_train_command);
  add(&add_eval_command);
  add(&add_predict_command);
  add(&add_export_command);
  add(&add_bench_command);
  add(&add_prepare_command);
  add(&add_ablate_command);
  add(&add_filters_command);
  add(&add_neighbours_command);
  return cli;
}

}  // namespace alexnet::app
