// The command-line tool on bad input: one-line error on stderr, non-zero exit, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "tests/cli/run_tool.h"

namespace alexnet {
namespace {

using testing::run_tool;

int line_count(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

void expect_one_line_error(const testing::ToolResult& r, const std::string& needle, int code) {
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("alexnet_vk: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(Cli, UnknownFlagIsOneLineAndExitsTwo) {
  expect_one_line_error(run_tool("verify --no-such-flag"), "--no-such-flag", 2);
}

TEST(Cli, UnknownCommand) { expect_one_line_error(run_tool("frobnicate"), "frobnicate", 2); }

TEST(Cli, NoCommand) { expect_one_line_error(run_tool("--validation"), "no command", 2); }

TEST(Cli, NonNumericDevice) { expect_one_line_error(run_tool("verify --device abc"), "--device", 2); }

TEST(Cli, OutOfRangeDevice) { expect_one_line_error(run_tool("verify --device 99"), "device index 99 is out of range", 1); }

TEST(Cli, NoVulkanDriverAtAll) {
  // Point the loader at a driver manifest that does not exist: no ICD, so no device.
  expect_one_line_error(run_tool("devices", "VK_ICD_FILENAMES=/nonexistent/icd.json VK_DRIVER_FILES=/nonexistent/icd.json"),
                        "no Vulkan", 1);
}

TEST(Cli, MicroBatchThatDoesNotDivideTheBatch) {
  expect_one_line_error(run_tool("train --batch 16 --micro-batch 5 --train-limit 32 --val-limit 8 --out /tmp/avk_cli_mb"),
                        "--micro-batch 5 does not divide the batch, 16", 1);
}

TEST(Cli, HelpExitsZero) {
  auto r = run_tool("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("verify"), std::string::npos);
}

TEST(Cli, DevicesListsTheTestDevice) {
  auto r = run_tool("devices");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[0]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("subgroup size"), std::string::npos) << r.out;
}

TEST(Cli, VerifyJsonHasTheRequiredFields) {
  auto r = run_tool("verify --json --filter relu.forward");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* field : {"\"op\"", "\"pass\"", "\"max_abs_err\"", "\"max_rel_err\"", "\"device\""})
    EXPECT_NE(r.out.find(field), std::string::npos) << field << " missing in " << r.out;
}

}  // namespace
}  // namespace alexnet
