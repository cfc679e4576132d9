// See cli.h.
#include "apps/alexnet_vk/cli.h"

namespace alexnet::app {

std::unique_ptr<Cli> make_cli() {
  auto cli = std::make_unique<Cli>();
  CLI::App& app = cli->app;
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "alexnet_vk 0.1.0");
  app.add_flag("--validation", cli->global.validation,
               "enable the Khronos validation layer (also ALEXNET_VK_VALIDATION=1)");

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
  return cli;
}

}  // namespace alexnet::app
