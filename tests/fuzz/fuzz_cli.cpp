// The command-line parser on arbitrary argument lists: the whole alexnet_vk app (every subcommand
// and option) is built and argv parsed, exactly as main() does, but no command is run, so no
// Vulkan instance is created. Input: the arguments after argv[0], separated by NUL bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "apps/alexnet_vk/cli.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"alexnet_vk"};
  if (size > 0) args.emplace_back();
  for (std::size_t i = 0; i < size && args.size() <= 64; ++i) {
    if (data[i] == 0) args.emplace_back();
    else args.back() += static_cast<char>(data[i]);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const auto cli = alexnet::app::make_cli();
  try {
    cli->app.parse(static_cast<int>(args.size()), argv.data());
    int chosen = 0;
    for (const auto& [command, runner] : cli->commands) chosen += command->parsed() ? 1 : 0;
    if (chosen > 1) fuzz::finding("more than one subcommand parsed");
  } catch (const CLI::CallForHelp&) {
    (void)cli->app.help();
  } catch (const CLI::CallForAllHelp&) {
    (void)cli->app.help("", CLI::AppFormatMode::All);
  } catch (const CLI::ParseError& e) {
    // main() prints the first line of what(); it must have one.
    if (std::string(e.what()).empty() && !dynamic_cast<const CLI::Success*>(&e))
      fuzz::finding("CLI::ParseError with an empty message");
  } catch (const std::exception& e) {
    fuzz::finding(std::string("undocumented exception from parse: ") + typeid(e).name() + ": " +
                  e.what());
  }
  return 0;
}
