// --arch FILE.json as a user gives it: a layout written as JSON runs (bench, which needs no data),
// and a misspelt key is one line naming the file and the field, exit 1.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "tests/cli/run_tool.h"

namespace alexnet {
namespace {
namespace fs = std::filesystem;

using testing::run_tool;

class ArchFileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("arch_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(ArchFileCli, ALayoutFromAFileRunsAndAMisspeltKeyIsOneLine) {
  const std::string tiny = write("tiny.json", R"({"name": "tiny", "in_size": 20, "avgpool": 3,
    "convs": [{"out": 8, "kernel": 5, "pad": 2, "pool": true}, {"out": 12, "kernel": 3, "pad": 1}],
    "fcs": [{"out": 16, "input_dropout": true}, {}]})");
  const auto ok = run_tool("bench --arch " + tiny + " --batch 2 --iters 1 --warmup 0 --classes 3 --json");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"arch\": \"tiny\""), std::string::npos) << ok.out;

  const std::string bad = write("bad.json", R"({"name": "x", "convs": [{"out": 8, "kernal": 3}], "fcs": [{}]})");
  const auto r = run_tool("bench --arch " + bad + " --iters 1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "alexnet_vk: error: " + bad + ": convs[0]: unknown key \"kernal\"\n");
}

}  // namespace
}  // namespace alexnet
