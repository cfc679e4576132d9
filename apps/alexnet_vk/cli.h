// The command line without running anything: the CLI11 app with every subcommand registered, so
// that main() and the CLI fuzz target (tests/fuzz/fuzz_cli.cpp) parse argv the same way. Building
// and parsing it touches no Vulkan: each command's work is in its Runner, called only by main().
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "apps/alexnet_vk/commands.h"

namespace alexnet::app {

struct Cli {
  CLI::App app{"AlexNet training in Vulkan compute shaders, on any Vulkan device.", "alexnet_vk"};
  GlobalOptions global;
  std::vector<std::pair<CLI::App*, Runner>> commands;  // each subcommand and what runs it
};

// Not movable (the options hold pointers into it), hence the unique_ptr.
std::unique_ptr<Cli> make_cli();

}  // namespace alexnet::app
