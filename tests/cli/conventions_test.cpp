// The command line's conventions, run as a user would: help with no arguments, the version from
// CMakeLists.txt, global options before or after the command, the exit codes, devices --json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli/run_tool.h"

namespace alexnet {
namespace {

using testing::run_tool;

// The loader looks for explicit layers only in VK_LAYER_PATH when it is set.
constexpr const char* kNoLayers = "VK_LAYER_PATH=/nonexistent/layers";

bool validation_layer_installed() { return run_tool("devices --validation").exit_code == 0; }

TEST(CliConventions, NoArgumentsPrintsTheHelp) {
  const auto r = run_tool("");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("Usage: alexnet_vk"), std::string::npos) << r.out;
  for (const char* command : {"devices", "verify", "train", "eval", "predict", "export", "bench"})
    EXPECT_NE(r.out.find(command), std::string::npos) << command;
  EXPECT_EQ(r.out, run_tool("--help").out);
}

TEST(CliConventions, HelpStatesTheExitCodes) {
  const auto r = run_tool("--help");
  EXPECT_NE(r.out.find("Exit status: 0 done; 1 an error stopped the command; 2 bad command line"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("3 a check failed"), std::string::npos) << r.out;
}

TEST(CliConventions, VersionIsTheCMakeProjectVersion) {
  const auto r = run_tool("--version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "alexnet_vk " ALEXNET_VK_VERSION "\n");  // once, from project(VERSION)
}

TEST(CliConventions, ValidationWorksBeforeAndAfterTheCommand) {
  // With no layer to be found, --validation must fail wherever it stands: proof it was seen.
  for (const char* args : {"--validation devices", "devices --validation"}) {
    const auto r = run_tool(args, kNoLayers);
    EXPECT_EQ(r.exit_code, 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find("validation layer is not installed"), std::string::npos) << args << ": " << r.err;
  }
  EXPECT_EQ(run_tool("devices", kNoLayers).exit_code, 0);
  if (!validation_layer_installed()) GTEST_SKIP() << "the Vulkan validation layer is not installed";
  EXPECT_EQ(run_tool("verify --filter relu.forward --validation").exit_code, 0);
}

TEST(CliConventions, DeviceBeforeTheCommandReachesIt) {
  const auto r = run_tool("--device 99 verify --filter relu.forward");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("device index 99 is out of range"), std::string::npos) << r.err;
  EXPECT_EQ(run_tool("--device 0 verify --filter relu.forward").exit_code, 0);
  // Where it cannot apply, or clashes: a bad command line.
  const auto no_device = run_tool("--device 0 devices");
  EXPECT_EQ(no_device.exit_code, 2) << no_device.err;
  EXPECT_NE(no_device.err.find("uses no device"), std::string::npos) << no_device.err;
  EXPECT_EQ(run_tool("--device 0 verify --device 0").exit_code, 2);
  EXPECT_EQ(run_tool("--device 0 bench --devices 0,0").exit_code, 2);
  EXPECT_EQ(run_tool("--device x verify").exit_code, 2);
}

TEST(CliConventions, ExitCodesTellCheckFailuresFromErrorsAndBadCommandLines) {
  EXPECT_EQ(run_tool("verify --filter relu.forward").exit_code, 0);
  EXPECT_EQ(run_tool("verify --no-such-flag").exit_code, 2);
  EXPECT_EQ(run_tool("verify --filter no-such-op").exit_code, 2);
  EXPECT_EQ(run_tool("verify --device 99").exit_code, 1);
  if (!validation_layer_installed()) GTEST_SKIP() << "the Vulkan validation layer is not installed";
  // Best-practice warnings make every check fail (verify counts any layer message as a failure):
  // a failed check with no error anywhere else.
  const auto r = run_tool("verify --validation --filter relu.forward",
                          "VK_LAYER_ENABLES=VK_VALIDATION_FEATURE_ENABLE_BEST_PRACTICES_EXT");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST(CliConventions, DevicesJsonParsesAndAgreesWithTheText) {
  const auto r = run_tool("devices --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // throws, failing the test, on bad JSON
  ASSERT_TRUE(j.is_array());
  ASSERT_GE(j.size(), 1u);
  const auto& first = j[0];
  EXPECT_EQ(first.at("index").get<int>(), 0);
  for (const char* field : {"name", "type", "vendor", "driver", "api_version"})
    EXPECT_TRUE(first.at(field).is_string()) << field;
  for (const char* field : {"vendor_id", "device_local_bytes", "subgroup_size"})
    EXPECT_TRUE(first.at(field).is_number_unsigned()) << field;
  for (const char* field : {"fp16_arithmetic", "cooperative_matrix"}) EXPECT_TRUE(first.at(field).is_boolean()) << field;
  const auto text = run_tool("devices");
  EXPECT_NE(text.out.find("[0] " + first.at("name").get<std::string>() + "\n"), std::string::npos) << text.out;
  // The global flag after the command, as with every command.
  EXPECT_EQ(run_tool("devices --json --no-pipeline-cache").out, r.out);
}

}  // namespace
}  // namespace alexnet
