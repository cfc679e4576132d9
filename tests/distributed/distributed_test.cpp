// Data-parallel training under `mpirun -np 2` on this machine (both ranks on device 0):
//   - three SGD steps of 2 ranks on a global batch of 16 give what one process gives on it: the
//     per-sample losses, every gradient, the weights and the momentum, to 1e-5 of each tensor's
//     largest magnitude, and the two ranks' weights are bit-identical;
//   - checkpoints move between rank counts: 1 process, then 2 ranks (across an epoch end, so the
//     sharded validation and rank 0's metrics.csv are in it), then 1 process again train as one
//     uninterrupted process does;
//   - a rank killed mid-step stops the job within seconds, naming the rank, with the last
//     checkpoint intact; a rank that loses its device, or whose loss becomes NaN, stops every rank
//     with one line naming it;
//   - ranks started with different options, or a batch that does not divide over the ranks, are
//     a one-line error;
//   - with --micro-batch equal to each rank's share, one process adds the same partial sums in the
//     same order as MPI does, and 2 ranks match it bit for bit (fp32, and fp16 with an overflow on
//     one rank only: every rank skips that step, as one process does).
// Why 1e-5 and not bit-identity otherwise: one process sums each weight gradient over 16 samples
// in one GEMM, two ranks over 8 each and MPI adds the two partial sums, so fp32 additions happen in
// a different order (relative error ~ n * 2^-24 ~ 1e-6 over these sums). Open MPI refuses to run
// as root without its two documented variables, set here for the child processes only.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "model/io/checkpoint.h"
#include "tests/distributed/probe.h"
#include "tests/reliability/harness.h"
#include "tests/support/vulkan_env.h"

namespace alexnet::reliability {
namespace {

const std::map<std::string, std::string> kMpiEnv{{"OMPI_ALLOW_RUN_AS_ROOT", "1"},
                                                 {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"}};

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream split(text);
  for (std::string w; split >> w;) out.push_back(w);
  return out;
}

// mpirun -np 2 on this machine; then `ranks`, one program line per rank group (MPMD, ":" between),
// e.g. {"ALEXNET_VK train ...", "env A=1 ALEXNET_VK train ..."}; ALEXNET_VK stands for the tool.
RunResult mpirun(const std::vector<std::pair<int, std::string>>& ranks, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv{ALEXNET_VK_MPIEXEC, "--oversubscribe", "--bind-to", "none"};
  for (std::size_t g = 0; g < ranks.size(); ++g) {
    if (g > 0) argv.push_back(":");
    argv.insert(argv.end(), {"-np", std::to_string(ranks[g].first)});
    for (auto w : words(ranks[g].second)) argv.push_back(w == "ALEXNET_VK" ? ALEXNET_VK_BINARY : w);
  }
  env.insert(kMpiEnv.begin(), kMpiEnv.end());
  return run_program(argv, env, 0, 600);
}

std::map<std::uint64_t, double> losses(const fs::path& log) {
  std::map<std::uint64_t, double> out;
  for (const auto& [step, values] : read_step_log(log)) out[step] = std::strtod(values.back().c_str(), nullptr);
  return out;
}

// |a - b| <= 1e-5 * max |b| over each tensor (counts: the tensors' sizes, in order).
void expect_tensors_close(const std::vector<float>& a, const std::vector<float>& b, const std::vector<std::size_t>& counts,
                          const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  std::size_t first = 0;
  for (std::size_t t = 0; t < counts.size(); ++t) {
    float scale = 0, worst = 0;
    std::size_t at = 0;
    for (std::size_t i = first; i < first + counts[t]; ++i) scale = std::max(scale, std::fabs(b[i]));
    for (std::size_t i = first; i < first + counts[t]; ++i)
      if (std::fabs(a[i] - b[i]) > worst) worst = std::fabs(a[i] - b[i]), at = i;
    EXPECT_LE(worst, 1e-5f * scale) << what << " tensor " << t << " element " << at - first << ": " << a[at]
                                    << " vs " << b[at];
    first += counts[t];
  }
}

int error_lines(const std::string& text) {
  int n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) n += line.rfind("alexnet_vk: error:", 0) == 0;
  return n;
}

class DataParallel : public ToolRunTest {
 protected:
  void SetUp() override {
    ToolRunTest::SetUp();
    write_synthetic_idx(root_ / "data", 64, 5);  // 64 a split: 4 steps of 16 an epoch
  }
  // Two ranks train 2 epochs, checkpointing every 2 steps; rank 0 logs its steps to `log`, rank 1
  // runs with the test hook `fault` ("VARIABLE=VALUE").
  RunResult mpirun_with_fault_on_rank_1(const fs::path& out, const fs::path& log, const std::string& fault) {
    const std::string train = "ALEXNET_VK train " + data_ +
                              "--val-limit 16 --batch 16 --epochs 2 --checkpoint-every 2 --seed 3 --out " + out.string();
    return mpirun({{1, "env ALEXNET_VK_TEST_STEP_LOG=" + log.string() + " " + train}, {1, "env " + fault + " " + train}});
  }
};

const char* kFlags = "--val-limit 16 --batch 16 --epochs 2 --checkpoint-every 1 --seed 3";

// Seconds since `path` was last written (a step log: how long the job ran after rank 0's last step).
double seconds_since_written(const fs::path& path) {
  struct stat written {};
  if (::stat(path.c_str(), &written) != 0) throw std::runtime_error(path.string() + ": cannot stat");
  return double(std::time(nullptr) - written.st_mtime);
}

// The probe's three steps on 2 ranks, writing each rank's tensors into `out`.
RunResult run_probe_on_two_ranks(const fs::path& out) {
  fs::create_directories(out);
  const std::vector<std::string> argv{ALEXNET_VK_MPIEXEC, "--oversubscribe", "--bind-to", "none", "-np", "2",
                                      DP_PROBE_BINARY, out.string()};
  return run_program(argv, kMpiEnv, 0, 600);
}

TEST_F(DataParallel, TwoRanksComputeWhatOneProcessComputes) {
  const fs::path two = root_ / "two", one = root_ / "one";
  fs::create_directories(one);
  const auto r = run_probe_on_two_ranks(two);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const auto single = distributed::single_process();
  const auto counts = testing::run_probe(*single, alexnet::testing::context(), one);
  const std::vector<std::size_t> whole{std::size_t(testing::kProbeBatch)};
  for (int s = 0; s < testing::kProbeSteps; ++s) {
    const std::string step = std::to_string(s);
    auto two_losses = testing::read_floats(two / ("loss_r0_s" + step + ".f32"));
    const auto second = testing::read_floats(two / ("loss_r1_s" + step + ".f32"));
    two_losses.insert(two_losses.end(), second.begin(), second.end());
    expect_tensors_close(two_losses, testing::read_floats(one / ("loss_r0_s" + step + ".f32")), whole,
                         "per-sample losses of step " + step);
    expect_tensors_close(testing::read_floats(two / ("grad_s" + step + ".f32")),
                         testing::read_floats(one / ("grad_s" + step + ".f32")), counts, "gradients of step " + step);
  }
  // The sums overlapped the backward pass: several buckets, started as the device made them.
  for (const std::string rank : {"0", "1"}) {
    std::ifstream f(two / ("exchange_r" + rank + ".txt"));
    int overlapped = 0, buckets = 0, early = 0;
    ASSERT_TRUE(f >> overlapped >> buckets >> early) << "rank " << rank;
    EXPECT_EQ(overlapped, 1) << "rank " << rank;
    EXPECT_GE(buckets, 2) << "rank " << rank;
    std::printf("rank %s: %d buckets, %d of %d started before the backward pass ended\n", rank.c_str(), buckets,
                early, buckets * testing::kProbeSteps);
  }
  for (const std::string part : {"value", "momentum"}) {
    const auto rank0 = testing::read_floats(two / (part + "_r0.f32"));
    EXPECT_EQ(rank0, testing::read_floats(two / (part + "_r1.f32"))) << part << ": the ranks must agree bit for bit";
    expect_tensors_close(rank0, testing::read_floats(one / (part + "_r0.f32")), counts, part);
  }
}

// One process that runs the batch as two micro-batches of 8 sums each gradient as the two ranks
// do: rank r's half in one GEMM, then the two partial sums added once (the second round
// accumulates into the first's, MPI adds rank 1's to rank 0's; fp32 addition commutes). So it
// must agree with them bit for bit, which says the rest of the 1e-5 above is summation order.
TEST_F(DataParallel, TwoRanksAreOneProcessInTwoMicroBatchesBitForBit) {
  const fs::path two = root_ / "two", halves = root_ / "halves";
  fs::create_directories(halves);
  const auto r = run_probe_on_two_ranks(two);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto single = distributed::single_process();
  testing::run_probe(*single, alexnet::testing::context(), halves, testing::kProbeBatch / 2);
  for (int s = 0; s < testing::kProbeSteps; ++s) {
    const std::string step = std::to_string(s);
    auto two_losses = testing::read_floats(two / ("loss_r0_s" + step + ".f32"));
    const auto second = testing::read_floats(two / ("loss_r1_s" + step + ".f32"));
    two_losses.insert(two_losses.end(), second.begin(), second.end());
    EXPECT_EQ(two_losses, testing::read_floats(halves / ("loss_r0_s" + step + ".f32"))) << "losses of step " << step;
    EXPECT_EQ(testing::read_floats(two / ("grad_s" + step + ".f32")), testing::read_floats(halves / ("grad_s" + step + ".f32")))
        << "gradients of step " << step;
  }
  for (const std::string part : {"value", "momentum"})
    EXPECT_EQ(testing::read_floats(two / (part + "_r0.f32")), testing::read_floats(halves / (part + "_r0.f32"))) << part;
}

TEST_F(DataParallel, CheckpointsMoveBetweenOneProcessAndTwoRanks) {
  const fs::path ref = root_ / "ref", ref_log = root_ / "ref.log";
  const auto a = run_tool("train " + data_ + kFlags + " --out " + ref.string(), {{"ALEXNET_VK_TEST_STEP_LOG", ref_log.string()}});
  ASSERT_EQ(a.exit_code, 0) << a.err;

  const fs::path run = root_ / "run", log = root_ / "run.log";
  const std::map<std::string, std::string> logged{{"ALEXNET_VK_TEST_STEP_LOG", log.string()}};
  const auto b = run_tool("train " + data_ + kFlags + " --max-steps 3 --out " + run.string(), logged);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  // Steps 4 to 6 on two ranks: across the end of epoch 1, so its validation is sharded. Only
  // rank 0 logs steps (and writes files).
  const std::string resume = "train --resume " + (run / "last.ckpt").string() + " --max-steps 3";
  const auto c = mpirun({{1, "env ALEXNET_VK_TEST_STEP_LOG=" + log.string() + " ALEXNET_VK " + resume},
                         {1, "ALEXNET_VK " + resume}});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("data parallel: 2 ranks"), std::string::npos) << c.out;
  // Rank 0 alone prints progress, in plain lines: its stdout is a pseudo-terminal under mpirun
  // (Open MPI's), but mpirun's is this test's pipe, where a redrawn bar would be garbage.
  EXPECT_EQ(c.out.find('\r'), std::string::npos) << c.out;
  const std::size_t step4 = c.out.find("epoch 1/2 step 4/4 ");
  EXPECT_NE(step4, std::string::npos) << c.out;
  EXPECT_EQ(step4, c.out.rfind("epoch 1/2 step 4/4 ")) << "one progress line per step:\n" << c.out;
  EXPECT_EQ(load_checkpoint((run / "last.ckpt").string()).header["train"]["step"].get<long>(), 6);
  const auto d = run_tool("train --resume " + (run / "last.ckpt").string(), logged);
  ASSERT_EQ(d.exit_code, 0) << d.err;

  const auto got = losses(log), want = losses(ref_log);
  ASSERT_EQ(got.size(), 8u);
  ASSERT_EQ(want.size(), 8u);
  for (const auto& [step, loss] : want) EXPECT_NEAR(got.at(step), loss, 1e-5 * std::fabs(loss)) << "step " << step;
  // Epoch 1's row was written by rank 0 of the two-rank part: its sharded validation agrees.
  const auto rows = metrics_without_times(run / "metrics.csv"), ref_rows = metrics_without_times(ref / "metrics.csv");
  ASSERT_EQ(rows.size(), ref_rows.size());
  ASSERT_GE(rows.size(), 2u);
  auto column = [](const std::string& row, int k) {
    std::istringstream cells(row);
    std::string cell;
    for (int i = 0; i <= k; ++i) std::getline(cells, cell, ',');
    return std::strtod(cell.c_str(), nullptr);
  };
  for (int k = 1; k <= 7; ++k)
    EXPECT_NEAR(column(rows[1], k), column(ref_rows[1], k), 1e-4) << "metrics.csv column " << k << "\n" << rows[1] << "\n" << ref_rows[1];
}

TEST_F(DataParallel, AKilledRankStopsTheJobAndTheCheckpointLoads) {
  const fs::path out = root_ / "killed", log = root_ / "killed.log";
  const auto r = mpirun_with_fault_on_rank_1(out, log, "ALEXNET_VK_TEST_KILL_AT=step:5:on-gpu");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  const std::string said = r.out + r.err;
  EXPECT_NE(said.find("rank 1"), std::string::npos) << said;
  EXPECT_NE(said.find("signal 9"), std::string::npos) << said;
  // Rank 0 logged step 4 (then validated epoch 1 and wrote its checkpoint) before waiting on rank
  // 1's step 5: the job ended seconds after that.
  EXPECT_LT(seconds_since_written(log), 15) << said;
  EXPECT_EQ(load_checkpoint((out / "last.ckpt").string()).header["train"]["step"].get<long>(), 4);
}

TEST_F(DataParallel, ARankThatLosesItsDeviceStopsEveryRankWithOneLine) {
  const fs::path out = root_ / "lost";
  const std::string train = "ALEXNET_VK train " + data_ + kFlags + " --out " + out.string();
  const auto r = mpirun({{1, train}, {1, "env ALEXNET_VK_TEST_DEVICE_LOST_AT_STEP=3 " + train}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("alexnet_vk: error: rank 1 of 2: the Vulkan device was lost at step 3"), std::string::npos) << r.err;
  const std::string checkpoint = (out / "last.ckpt").string();
  EXPECT_NE(r.err.find(checkpoint + " (after step 2) is kept"), std::string::npos) << r.err;
  EXPECT_EQ(load_checkpoint(checkpoint).header["train"]["step"].get<long>(), 2);
}

// Rank 1 alone diverges at step 3 (test hook: its classifier's bias NaN before the step, so every
// loss of its share is NaN): every rank stops at that step's agreement, within seconds of rank 0's
// step 2, with one line naming rank 1 and the cause; the checkpoint after step 2 is kept, finite.
TEST_F(DataParallel, ANonFiniteLossOnOneRankStopsEveryRankWithOneLine) {
  const fs::path out = root_ / "nan", log = root_ / "nan.log";
  const auto r = mpirun_with_fault_on_rank_1(out, log, "ALEXNET_VK_TEST_NAN_LOSS_AT_STEP=3");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("alexnet_vk: error: rank 1 of 2: the loss became "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" at step 3 (epoch 1, batch 3 of 4)"), std::string::npos) << r.err;
  const std::string checkpoint = (out / "last.ckpt").string();
  EXPECT_NE(r.err.find(checkpoint + " (after step 2) is kept"), std::string::npos) << r.err;
  EXPECT_LT(seconds_since_written(log), 15) << r.err;
  EXPECT_EQ(losses(log).size(), 2u) << "rank 0 must not finish step 3";
  const Checkpoint c = load_checkpoint(checkpoint);
  EXPECT_EQ(c.header["train"]["step"].get<long>(), 2);
  for (const auto& [name, t] : c.tensors)
    for (float v : t.data) ASSERT_TRUE(std::isfinite(v)) << name;
}

// A NaN written into one weight of rank 1 after step 2 (what a faulty device or a bit flip would
// leave): here the loss stays finite (conv1's first weight reaches the loss through a ReLU that
// hides it), so the weight checksum at the next checkpoint finds the ranks apart: the end of the
// epoch (step 4), or step 2 itself with --checkpoint-every 1. One line either way.
TEST_F(DataParallel, WeightsThatDivergeOnOneRankStopEveryRank) {
  const std::string flags = "--val-limit 16 --batch 16 --epochs 1 --seed 3 --out ";
  const std::string nan = "env ALEXNET_VK_TEST_NAN_WEIGHT_AT_STEP=2 ";
  const std::string loss = "ALEXNET_VK train " + data_ + flags + (root_ / "loss").string();
  const auto a = mpirun({{1, loss}, {1, nan + loss}});
  EXPECT_NE(a.exit_code, 0);
  EXPECT_EQ(error_lines(a.err), 1) << a.err;
  EXPECT_NE(a.err.find("alexnet_vk: error: the weights of rank 1 differ from rank 0's after step 4"), std::string::npos)
      << a.err;

  const std::string sum = "ALEXNET_VK train " + data_ + "--checkpoint-every 1 " + flags + (root_ / "sum").string();
  const auto b = mpirun({{1, sum}, {1, nan + sum}});
  EXPECT_NE(b.exit_code, 0);
  EXPECT_EQ(error_lines(b.err), 1) << b.err;
  EXPECT_NE(b.err.find("the weights of rank 1 differ from rank 0's after step 2"), std::string::npos) << b.err;
  EXPECT_EQ(load_checkpoint((root_ / "sum" / "last.ckpt").string()).header["train"]["step"].get<long>(), 1);
}

// fp16 over two ranks: rank 1's gradients overflow at step 2 (the test hook), rank 0's do not;
// every rank must skip that step and halve the scale, or the weights would part. One process that
// runs the same batch of 16 as two micro-batches of 8 (each rank's share) sums the gradients in the
// same order, so it must leave the same checkpoint bit for bit.
TEST_F(DataParallel, Fp16RanksAgreeOnAnOverflowAndMatchOneProcess) {
  const std::string flags = "--val-limit 16 --batch 16 --epochs 1 --seed 3 --precision fp16 ";
  const fs::path two = root_ / "two", one = root_ / "one";
  const std::string train = "ALEXNET_VK train " + data_ + flags + "--out " + two.string();
  const auto a = mpirun({{1, train}, {1, "env ALEXNET_VK_TEST_OVERFLOW_AT_STEP=2 " + train}});
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_NE(a.out.find("step 2: fp16 gradients overflowed at loss scale 65536: update skipped, loss scale -> 32768"),
            std::string::npos)
      << a.out;
  const auto b = run_tool("train " + data_ + flags + "--micro-batch 8 --out " + one.string(),
                          {{"ALEXNET_VK_TEST_OVERFLOW_AT_STEP", "2"}});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const Checkpoint c2 = load_checkpoint((two / "last.ckpt").string()), c1 = load_checkpoint((one / "last.ckpt").string());
  EXPECT_EQ(c2.header["train"]["skipped_steps"].get<long>(), 1);
  EXPECT_EQ(c2.header["train"]["loss_scale"].get<float>(), 32768.0f);
  EXPECT_EQ(c1.header["train"]["skipped_steps"].get<long>(), 1);
  ASSERT_EQ(c2.tensors.size(), c1.tensors.size());
  for (const auto& [name, t] : c1.tensors) EXPECT_EQ(c2.tensors.at(name).data, t.data) << name;
}

TEST_F(DataParallel, BadLaunchesAreOneLineErrors) {
  const std::string train = "ALEXNET_VK train " + data_ + kFlags + " --out " + (root_ / "bad").string();
  const auto lr = mpirun({{1, train}, {1, train + " --lr 0.02"}});
  EXPECT_NE(lr.exit_code, 0);
  EXPECT_EQ(error_lines(lr.err), 1) << lr.err;
  EXPECT_NE(lr.err.find("rank 1 has --lr 0.02, rank 0 has 0.05"), std::string::npos) << lr.err;

  const auto odd = mpirun({{2, "ALEXNET_VK train " + data_ + "--batch 15 --out " + (root_ / "odd").string()}});
  EXPECT_NE(odd.exit_code, 0);
  EXPECT_EQ(error_lines(odd.err), 1) << odd.err;
  EXPECT_NE(odd.err.find("--batch 15 does not divide over 2 ranks"), std::string::npos) << odd.err;
}

}  // namespace
}  // namespace alexnet::reliability
