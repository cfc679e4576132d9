// Crash safety: `alexnet_vk train` is killed with SIGKILL at many points of a tiny run (inside a
// step, on either side of each part of a checkpoint write, around the end of an epoch), resumed
// each time with a bare `--resume DIR/last.ckpt`, and must end bit-identical to a run that was
// never stopped: every step's loss, every tensor and the training state of last.ckpt, and
// metrics.csv but its time columns. After every kill, last.ckpt is either absent (killed before the
// first one) or loads with a good checksum, and never goes back.
//
// The kill points are named ones (ALEXNET_VK_TEST_KILL_AT, model/io/faults.h), so each
// lands exactly where it says, then a few SIGKILLs after random delays from the test itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <random>

#include "model/io/checkpoint.h"
#include "tests/reliability/harness.h"

namespace alexnet::reliability {
namespace {

// 32 images in batches of 8: 4 steps an epoch, 2 epochs, a checkpoint after every step; the
// learning rate drops tenfold at epoch 2 (the schedule must survive a bare --resume).
constexpr int kSteps = 8;
const char* kRunFlags = "--train-limit 32 --val-limit 16 --batch 8 --epochs 2 --checkpoint-every 1 --lr 0.02 "
                        "--lr-schedule step:1 --seed 7";

// Where the newest checkpoint stands: its `step` and `epoch` (-1: none yet).
struct Position {
  long step = -1;
  long epoch = -1;
  bool operator==(const Position&) const = default;
};

Position position_of(const fs::path& checkpoint) {
  if (!fs::exists(checkpoint)) return {};
  const Checkpoint c = load_checkpoint(checkpoint.string());  // throws when half-written
  return {c.header["train"]["step"].get<long>(), c.header["train"]["epoch"].get<long>()};
}

// The checkpoint's header with the wall-clock times taken out.
nlohmann::json without_times(nlohmann::json header) {
  auto& train = header["train"];
  train["epoch_tally"].erase("seconds");
  train["epoch_tally"].erase("data_wait_seconds");
  for (auto& m : train["history"]) {
    m.erase("seconds");
    m.erase("data_wait_seconds");
  }
  return header;
}

struct KillPoint {
  std::string at;     // ALEXNET_VK_TEST_KILL_AT
  Position expected;  // last.ckpt after the kill
};

// Each run resumes from the last checkpoint and dies at the next point; `size` is a whole
// checkpoint's. Step and checkpoint numbers count from 1: checkpoint:N is the one written after
// step N.
std::vector<KillPoint> named_kill_points(std::uintmax_t size) {
  const std::string near_end = std::to_string(size - 2000), middle = std::to_string(size / 2);
  return {
      {"step:1:on-gpu", {}},                                   // inside the first step, no checkpoint yet
      {"checkpoint:1:bytes:100", {}},                          // the first checkpoint's header half-written
      {"checkpoint:1:renamed", {1, 0}},                        // renamed, folder not yet fsynced
      {"checkpoint:2:bytes:" + middle, {1, 0}},                // half of the tensors written
      {"checkpoint:2:written", {1, 0}},                        // complete temporary file, not renamed
      {"step:2:update-on-gpu", {1, 0}},                        // the SGD update running on the device
      {"step:2:done", {1, 0}},                                 // step done on the device, not yet saved
      {"step:3:uploaded", {2, 0}},                             // batch uploaded, nothing submitted
      {"checkpoint:4:begin", {3, 0}},                          // the epoch's last step done, before saving
      {"epoch:1:validated", {4, 0}},                           // validated, nothing of the epoch written
      {"epoch:1:metrics", {4, 0}},                             // metrics.csv ahead of last.ckpt
      {"epoch-checkpoint:1:bytes:" + near_end, {4, 0}},        // all but the last 2000 bytes
      {"epoch-checkpoint:1:renamed", {4, 1}},
      {"step:6:on-gpu", {5, 1}},                               // mid-epoch 2, lr already dropped
      {"checkpoint:8:written", {7, 1}},
      {"epoch-checkpoint:2:bytes:100", {8, 1}},                // the last checkpoint of the run
  };
}

// The resumed run's folder holds what the uninterrupted one's does: every tensor bit for bit, the
// same state and metrics (times aside).
void expect_same_run(const fs::path& out, const fs::path& ref_out, const Checkpoint& ref_checkpoint) {
  const Checkpoint final_checkpoint = load_checkpoint((out / "last.ckpt").string());
  ASSERT_EQ(final_checkpoint.tensors.size(), ref_checkpoint.tensors.size());
  for (const auto& [name, tensor] : ref_checkpoint.tensors) {
    ASSERT_TRUE(final_checkpoint.tensors.count(name)) << name;
    EXPECT_TRUE(final_checkpoint.tensors.at(name).data == tensor.data) << name << " differs";
  }
  EXPECT_EQ(without_times(final_checkpoint.header), without_times(ref_checkpoint.header));
  EXPECT_EQ(metrics_without_times(out / "metrics.csv"), metrics_without_times(ref_out / "metrics.csv"));
  EXPECT_EQ(metrics_without_times(out / "metrics.csv").size(), 3u);  // header + 2 epochs
}

TEST(KillResume, SigkillAtEveryPointThenResumeEqualsAnUninterruptedRun) {
  const fs::path root = temp_dir("kill_resume");
  write_synthetic_idx(root / "data", 32, 11);
  const std::string data = "--data " + (root / "data").string() + " ";

  // The run that is never stopped.
  const fs::path ref_out = root / "reference", ref_log = root / "reference.log";
  const auto reference = run_tool("train " + data + kRunFlags + " --out " + ref_out.string(),
                                  {{"ALEXNET_VK_TEST_STEP_LOG", ref_log.string()}});
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const auto ref_losses = read_step_log(ref_log);
  ASSERT_EQ(ref_losses.size(), std::size_t(kSteps));
  const Checkpoint ref_checkpoint = load_checkpoint((ref_out / "last.ckpt").string());

  const std::vector<KillPoint> points = named_kill_points(fs::file_size(ref_out / "last.ckpt"));



  const fs::path out = root / "killed", log = root / "killed.log", checkpoint = out / "last.ckpt";
  const std::string fresh = "train " + data + kRunFlags + " --out " + out.string();
  const std::string resume = "train --resume " + checkpoint.string();
  Position last;
  double longest = 0, previous = 0;
  auto next_run = [&](const std::map<std::string, std::string>& env, double kill_after) {
    // Before the first checkpoint exists there is nothing to resume: start again.
    const auto r = run_tool(fs::exists(checkpoint) ? resume : fresh, env, kill_after);
    longest = std::max(longest, r.seconds);
    previous = r.seconds;
    return r;
  };
  for (const auto& point : points) {
    SCOPED_TRACE(point.at);
    const auto r = next_run({{"ALEXNET_VK_TEST_KILL_AT", point.at}, {"ALEXNET_VK_TEST_STEP_LOG", log.string()}}, 0);
    ASSERT_EQ(r.signal, SIGKILL) << "kill point not reached: exit " << r.exit_code << "\n" << r.err;
    Position now;
    ASSERT_NO_THROW(now = position_of(checkpoint)) << "last.ckpt does not load after a kill";
    EXPECT_EQ(now, point.expected) << "last.ckpt at step " << now.step << " epoch " << now.epoch;
    EXPECT_GE(now.step, last.step) << "last.ckpt went back";
    last = now;
  }

  // Then kills the test sends after random delays, wherever the run is (starting, validating,
  // writing metrics or the last checkpoint), until one run finishes. The delays scale with the
  // last run, which did about the same work.
  std::mt19937 rng(20240601);
  int random_kills = 0;
  for (int attempt = 0;; ++attempt) {
    ASSERT_LT(attempt, 5) << "the run never finished";
    const double delay = attempt < 2 ? std::uniform_real_distribution<double>(0.3, 1.0)(rng) * previous : 0;
    const auto r = next_run({{"ALEXNET_VK_TEST_STEP_LOG", log.string()}}, delay);
    Position now;
    ASSERT_NO_THROW(now = position_of(checkpoint)) << "last.ckpt does not load after a kill " << delay << " s in";
    EXPECT_GE(now.step, last.step);
    last = now;
    if (!r.killed_by_us || r.signal != SIGKILL) {
      ASSERT_EQ(r.exit_code, 0) << r.err;
      break;
    }
    ++random_kills;
  }

  // Bit for bit: every loss logged (steps redone after a kill included), every tensor, the state.
  const auto losses = read_step_log(log);
  ASSERT_EQ(losses.size(), std::size_t(kSteps));
  std::size_t logged = 0;
  for (const auto& [step, values] : losses) {
    for (const auto& v : values) EXPECT_EQ(v, ref_losses.at(step).front()) << "step " << step;
    logged += values.size();
  }
  expect_same_run(out, ref_out, ref_checkpoint);
  EXPECT_FALSE(fs::exists(out / ".last.ckpt.tmp"));

  std::printf("survived %zu named kill points and %d random kills; %zu step losses logged for %d steps; reference "
              "run %.1f s, longest run %.1f s\n",
              points.size(), random_kills, logged, kSteps, reference.seconds, longest);
  fs::remove_all(root);
}

}  // namespace
}  // namespace alexnet::reliability
