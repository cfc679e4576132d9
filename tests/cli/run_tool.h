// Runs the built alexnet_vk binary in a shell and captures its exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace alexnet::testing {

struct ToolResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `env` is prepended as VAR=value assignments. Run outside ctest (which sets XDG_CACHE_HOME to
// the build tree), the tool's caches still go to a temporary folder, never the user's home.
inline ToolResult run_tool(const std::string& args, const std::string& env = "") {
  static const bool cache_set = [] {
    if (!std::getenv("XDG_CACHE_HOME")) ::setenv("XDG_CACHE_HOME", (::testing::TempDir() + "alexnet_vk_test_cache").c_str(), 1);
    return true;
  }();
  (void)cache_set;
  static int counter = 0;
  const std::string base = ::testing::TempDir() + "alexnet_vk_cli_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter++);
  const std::string command = env + " " ALEXNET_VK_BINARY " " + args + " >" + base + ".out 2>" + base + ".err";
  const int status = std::system(command.c_str());
  ToolResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

}  // namespace alexnet::testing
