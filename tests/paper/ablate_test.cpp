// `alexnet_vk ablate` on a tiny generated data set, every variant given a 2-step budget (32 images
// in batches of 16, one epoch): the table lists every variant, and an ablation killed after a
// variant finished training continues with the same command without training any finished
// variant again (the step log of the second run holds only the variants still to train).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "model/paper/ablation.h"
#include "tests/reliability/harness.h"

namespace alexnet::paper {
namespace {

using reliability::fs::path;

std::string read_text(const path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t lines_in(const path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(Ablate, KilledAfterAVariantThenRerunTrainsOnlyTheRestAndTabulatesEveryVariant) {
  const path root = reliability::temp_dir("ablate");
  reliability::write_synthetic_idx(root / "data", 32, 3, 4);
  const path out = root / "ablation";
  const std::string command = "ablate --data " + (root / "data").string() +
                              " --batch 16 --epochs 1 --train-limit 32 --val-limit 16 --out " + out.string();
  const auto& variants = all_variants();
  ASSERT_EQ(variants.size(), 7u);
  ASSERT_EQ(variants[2].name, "no-lrn");

  // The first run dies once no-lrn (the third variant) has trained, before its result is written.
  const path first_log = root / "first.log", second_log = root / "second.log";
  const auto killed = reliability::run_tool(
      command, {{"ALEXNET_VK_TEST_KILL_AT", "variant:no-lrn:trained"}, {"ALEXNET_VK_TEST_STEP_LOG", first_log.string()}},
      0, 1200);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  EXPECT_EQ(lines_in(first_log), 6u);  // baseline, tanh, no-lrn: two steps each
  EXPECT_TRUE(reliability::fs::exists(out / "tanh" / "ablation.json"));
  EXPECT_FALSE(reliability::fs::exists(out / "no-lrn" / "ablation.json"));
  EXPECT_FALSE(reliability::fs::exists(out / "ablations.csv"));
  const auto baseline_checkpoint = reliability::fs::last_write_time(out / "baseline" / "last.ckpt");

  const auto resumed = reliability::run_tool(command, {{"ALEXNET_VK_TEST_STEP_LOG", second_log.string()}}, 0, 1200);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  // plain-pool, no-dropout, two-devices, half-width: two steps each; nothing of the first three.
  EXPECT_EQ(lines_in(second_log), 8u);
  EXPECT_NE(resumed.out.find("baseline: finished earlier"), std::string::npos) << resumed.out;
  EXPECT_EQ(reliability::fs::last_write_time(out / "baseline" / "last.ckpt"), baseline_checkpoint);

  // Every variant has its row in the CSV and the table, with its run folder beside them.
  EXPECT_EQ(lines_in(out / "ablations.csv"), 1 + variants.size());
  const std::string csv = read_text(out / "ablations.csv"), table = read_text(out / "ablations.md");
  for (const auto& v : variants) {
    EXPECT_NE(csv.find("\n" + v.name + ","), std::string::npos) << v.name;
    EXPECT_NE(table.find("| " + v.name + " | "), std::string::npos) << v.name;
    EXPECT_TRUE(reliability::fs::exists(out / v.name / "metrics.csv")) << v.name;
  }
  EXPECT_GT(reliability::fs::file_size(out / "ablations.png"), 1000u);

  // A third run trains nothing and writes the same table.
  const path third_log = root / "third.log";
  const auto again = reliability::run_tool(command, {{"ALEXNET_VK_TEST_STEP_LOG", third_log.string()}}, 0, 600);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_FALSE(reliability::fs::exists(third_log));
  EXPECT_EQ(read_text(out / "ablations.csv"), csv);
  reliability::fs::remove_all(root);
}

TEST(Ablate, Figure1MeasureInterpolatesBetweenEpochEnds) {
  std::vector<EpochMetrics> history(3);
  for (int e = 0; e < 3; ++e) {
    history[e].epoch = e + 1;
    history[e].seconds = 10;
  }
  history[0].train_top1_error = 0.5, history[1].train_top1_error = 0.3, history[2].train_top1_error = 0.2;
  const auto [epochs, seconds] = time_to_error(history, 0.25, 0.9);
  EXPECT_DOUBLE_EQ(epochs, 2.5);  // 0.3 at epoch 2, 0.2 at epoch 3
  EXPECT_DOUBLE_EQ(seconds, 25);
  EXPECT_LT(time_to_error(history, 0.1, 0.9).first, 0);  // never reached
  EXPECT_THROW(choose_variants("tanh,no-such"), std::invalid_argument);
  EXPECT_EQ(choose_variants("tanh").size(), 2u);  // the baseline comes along
}

}  // namespace
}  // namespace alexnet::paper
