// Runs are never lost: `train` without --out makes a new folder per run (runs/latest links to the
// newest), and an --out holding another run is refused unless --resume or --force is given.
#include <fstream>
#include <iterator>

#include "tests/reliability/harness.h"

namespace alexnet::reliability {
namespace {

const char* kRunFlags = "--train-limit 16 --val-limit 8 --batch 8 --epochs 1 --seed 3";

std::map<std::string, std::string> snapshot(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    std::ifstream in(entry.path(), std::ios::binary);
    files[entry.path().filename().string()] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

class RunFolders : public ToolRunTest {
 protected:
  void SetUp() override {
    ToolRunTest::SetUp();
    previous_ = fs::current_path();
    fs::current_path(root_);  // runs/ is made in the working folder
  }
  void TearDown() override {
    fs::current_path(previous_);
    ToolRunTest::TearDown();
  }
  fs::path previous_;
};

TEST_F(RunFolders, ASecondTrainWithoutOutKeepsTheFirstRunsFiles) {
  const auto first = run_tool("train " + data_ + kRunFlags);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_TRUE(fs::is_symlink(root_ / "runs" / "latest"));
  const fs::path first_run = fs::canonical(root_ / "runs" / "latest");
  const auto before = snapshot(first_run);
  ASSERT_TRUE(before.count("last.ckpt") && before.count("metrics.csv")) << first.out;

  const auto second = run_tool("train " + data_ + kRunFlags);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const fs::path second_run = fs::canonical(root_ / "runs" / "latest");
  EXPECT_NE(second_run, first_run);
  EXPECT_EQ(snapshot(first_run), before) << "the first run's files changed";
  EXPECT_TRUE(fs::exists(second_run / "last.ckpt"));
}

TEST_F(RunFolders, AnOutHoldingAnotherRunIsRefusedUnlessResumedOrForced) {
  const fs::path out = root_ / "mine";
  ASSERT_EQ(run_tool("train " + data_ + kRunFlags + " --out " + out.string()).exit_code, 0);
  const auto before = snapshot(out);
  const auto refused = run_tool("train " + data_ + kRunFlags + " --out " + out.string());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(line_count(refused.err), 1) << refused.err;
  EXPECT_NE(refused.err.find(out.string() + " holds another run"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;
  EXPECT_EQ(snapshot(out), before);

  const auto resumed = run_tool("train --resume " + (out / "last.ckpt").string() + " --epochs 2");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto forced = run_tool("train " + data_ + kRunFlags + " --out " + out.string() + " --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

}  // namespace
}  // namespace alexnet::reliability
