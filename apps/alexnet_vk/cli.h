// The command line without running anything: the CLI11 app with every subcommand registered, so
// that main() and the CLI fuzz target (tests/fuzz/fuzz_cli.cpp) parse argv the same way. Building
// and parsing it touches no Vulkan: each command's work is in its Runner, called only by main().
//
// Global options (--validation, --no-pipeline-cache, --device N) live on the top-level app and
// every subcommand falls through to it, so they work before or after the subcommand's name. A
// --device given before the name is handed to the chosen subcommand's own --device once parsing
// is done (a command without one rejects it, as does --devices with it).
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

// "alexnet_vk 0.1.0": the project version from CMakeLists.txt's project(VERSION).
const char* version_line();

}  // namespace alexnet::app
