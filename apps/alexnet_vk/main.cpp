// alexnet_vk: train, evaluate, benchmark and verify AlexNet on any Vulkan device.
// Exit codes: see commands.h (0 done, 1 error, 2 bad command line, 3 a check failed).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "apps/alexnet_vk/cli.h"
#include "runtime/environment.h"

namespace {

// Keeps an error to one line: the first line of the message.
std::string one_line(std::string text) {
  if (auto newline = text.find('\n'); newline != std::string::npos) text.resize(newline);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace alexnet::app;
  const std::unique_ptr<Cli> cli = make_cli();
  CLI::App& app = cli->app;
  if (vkrt::switches().validation == vkrt::Switches::Validation::On) cli->global.validation = true;

  if (argc <= 1) {  // a newcomer's first try: show what there is
    std::printf("%s", app.help().c_str());
    return kExitOk;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::printf("%s", app.help().c_str());
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::printf("%s", app.help("", CLI::AppFormatMode::All).c_str());
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    std::printf("%s\n", e.what());  // version_line(), set by make_cli
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "alexnet_vk: error: %s (see alexnet_vk --help)\n", one_line(e.what()).c_str());
    return kExitUsage;
  }

  try {
    for (auto& [command, runner] : cli->commands)
      if (command->parsed()) return runner();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "alexnet_vk: error: %s (see alexnet_vk --help)\n", one_line(e.what()).c_str());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "alexnet_vk: error: %s\n", one_line(e.what()).c_str());
    return kExitError;
  }
  std::fprintf(stderr, "alexnet_vk: error: no command given (see alexnet_vk --help)\n");
  return kExitUsage;
}
