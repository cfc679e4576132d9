// Training on two devices (--devices 0,0: two logical devices on the test GPU) through the tool:
// the same losses as one device to float rounding, checkpoints that move between one-device and
// two-device runs, and a lost device that stops with a one-line error naming it while the last
// checkpoint stays intact.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "model/io/checkpoint.h"
#include "tests/reliability/harness.h"

namespace alexnet::reliability {
namespace {

const char* kRunFlags = "--train-limit 32 --val-limit 8 --batch 8 --epochs 1 --checkpoint-every 1 --seed 3";

// step -> loss, from ALEXNET_VK_TEST_STEP_LOG (the last value logged for each step).
std::map<std::uint64_t, double> losses(const fs::path& log) {
  std::map<std::uint64_t, double> out;
  for (const auto& [step, values] : read_step_log(log)) out[step] = std::strtod(values.back().c_str(), nullptr);
  return out;
}

void expect_close(const std::map<std::uint64_t, double>& a, const std::map<std::uint64_t, double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [step, loss] : a) {
    ASSERT_TRUE(b.count(step)) << "step " << step;
    EXPECT_NEAR(loss, b.at(step), 1e-5 * std::fabs(b.at(step))) << "step " << step;
  }
}

class TwoDevices : public ToolRunTest {};

TEST_F(TwoDevices, TrainsAsOneDeviceDoesAndCheckpointsMoveBetweenThem) {
  const fs::path one = root_ / "one", one_log = root_ / "one.log";
  const auto a = run_tool("train " + data_ + kRunFlags + " --out " + one.string(), {{"ALEXNET_VK_TEST_STEP_LOG", one_log.string()}});
  ASSERT_EQ(a.exit_code, 0) << a.err;

  const fs::path two = root_ / "two", two_log = root_ / "two.log";
  const auto b = run_tool("train " + data_ + kRunFlags + " --devices 0,0 --out " + two.string(),
                          {{"ALEXNET_VK_TEST_STEP_LOG", two_log.string()}});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("devices llvmpipe"), std::string::npos) << b.out;
  expect_close(losses(two_log), losses(one_log));

  // A two-device checkpoint evaluates on one device and on two, with the same result.
  const std::string ckpt = (two / "last.ckpt").string();
  const auto eval_one = run_tool("eval --json --checkpoint " + ckpt + " " + data_);
  const auto eval_two = run_tool("eval --json --devices 0,0 --checkpoint " + ckpt + " " + data_);
  ASSERT_EQ(eval_one.exit_code, 0) << eval_one.err;
  ASSERT_EQ(eval_two.exit_code, 0) << eval_two.err;
  const auto top1 = [](const std::string& json) { return json.substr(json.find("\"top1_error\"")); };
  EXPECT_EQ(top1(eval_one.out).substr(0, 30), top1(eval_two.out).substr(0, 30)) << eval_one.out << eval_two.out;
}

// Losing the second device mid-run: a one-line error naming it, exit 1, the last checkpoint
// intact; the run then resumes on one device (the checkpoint is the one-device layout) and ends
// with the losses of an uninterrupted run, to float rounding.
TEST_F(TwoDevices, LosingOneDeviceStopsCleanlyAndOneDeviceResumes) {
  const fs::path ref = root_ / "reference", ref_log = root_ / "reference.log";
  const auto reference = run_tool("train " + data_ + kRunFlags + " --out " + ref.string(),
                                  {{"ALEXNET_VK_TEST_STEP_LOG", ref_log.string()}});
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  const fs::path out = root_ / "lost", log = root_ / "lost.log";
  const auto lost = run_tool("train " + data_ + kRunFlags + " --devices 0,0 --out " + out.string(),
                             {{"ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP", "3"}, {"ALEXNET_VK_TEST_STEP_LOG", log.string()}});
  EXPECT_EQ(lost.exit_code, 1) << lost.err;
  EXPECT_EQ(line_count(lost.err), 1) << lost.err;
  EXPECT_NE(lost.err.find("the Vulkan device was lost at step 3"), std::string::npos) << lost.err;
  EXPECT_NE(lost.err.find("device 1 (llvmpipe"), std::string::npos) << lost.err;
  const std::string checkpoint = (out / "last.ckpt").string();
  EXPECT_NE(lost.err.find(checkpoint + " (after step 2) is kept"), std::string::npos) << lost.err;
  EXPECT_EQ(load_checkpoint(checkpoint).header["train"]["step"].get<long>(), 2);

  const auto resumed = run_tool("train --resume " + checkpoint, {{"ALEXNET_VK_TEST_STEP_LOG", log.string()}});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_close(losses(log), losses(ref_log));
  std::printf("%s", lost.err.c_str());
}

TEST_F(TwoDevices, BadDeviceListIsAOneLineError) {
  for (const char* flag : {"--devices 0", "--devices 0,x", "--devices 0,7", "--device 0 --devices 0,0"}) {
    const auto r = run_tool(std::string("train ") + data_ + kRunFlags + " " + flag + " --out " + (root_ / "bad").string());
    EXPECT_NE(r.exit_code, 0) << flag;
    EXPECT_EQ(line_count(r.err), 1) << flag << ": " << r.err;
  }
}

}  // namespace
}  // namespace alexnet::reliability
