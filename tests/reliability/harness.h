// Shared by the reliability tests: tiny generated IDX data sets, running the alexnet_vk binary as
// a child process (with extra environment variables, optionally killed with SIGKILL after a
// delay), and comparing what runs leave behind.
#pragma once

#include <gtest/gtest.h>

#include "tests/support/synthetic_data.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace alexnet::reliability {

namespace fs = std::filesystem;

using testing::write_synthetic_idx;  // tests/support/synthetic_data.h
using testing::metrics_without_times;

struct RunResult {
  int exit_code = -1;       // when it exited
  int signal = 0;           // when a signal ended it (SIGKILL: killed at a kill point or by us)
  bool killed_by_us = false;
  double seconds = 0;
  std::string out, err;
};

// Runs ALEXNET_VK_BINARY with `args` (split on spaces), the environment plus `env`. With
// kill_after_seconds > 0 the child is sent SIGKILL after that long unless it ended first. A
// child still running after `timeout_seconds` is killed and reported as a test failure.
RunResult run_tool(const std::string& args, const std::map<std::string, std::string>& env = {},
                   double kill_after_seconds = 0, double timeout_seconds = 240);
// The same for any program: argv[0] is its path (tests/distributed runs mpirun).
RunResult run_program(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                      double kill_after_seconds = 0, double timeout_seconds = 240);

// The loss of each step from ALEXNET_VK_TEST_STEP_LOG lines "K HEXFLOAT": step -> every loss
// logged for it (a step redone after a kill is logged again).
std::map<std::uint64_t, std::vector<std::string>> read_step_log(const fs::path& path);


// Number of lines in `text`.
int line_count(const std::string& text);

// A fresh temporary folder for this test, removed by the caller.
fs::path temp_dir(const std::string& name);

// A fixture with a fresh folder holding a small generated IDX data set (32 images a split):
// root_ is the folder, data_ the "--data DIR " flag for run_tool.
class ToolRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    write_synthetic_idx(root_ / "data", 32, 5);
    data_ = "--data " + (root_ / "data").string() + " ";
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
  std::string data_;
};

}  // namespace alexnet::reliability
