// A short training run under the Khronos validation layer with synchronization validation on
// (ALEXNET_VK_VALIDATION=sync): a step, its update, validation, a checkpoint, a resume. The layer
// must report nothing: no missing barrier between dispatches, copies or submissions.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/reliability/harness.h"

namespace alexnet::reliability {
namespace {

TEST(SyncValidation, ShortTrainingRunIsHazardFree) {
  const fs::path root = temp_dir("sync_validation");
  write_synthetic_idx(root / "data", 16, 9);
  const std::string flags = "train --data " + (root / "data").string() +
                            " --train-limit 16 --val-limit 8 --batch 8 --epochs 1 --checkpoint-every 1 --out " +
                            (root / "out").string();
  auto r = run_tool(flags + " --max-steps 1", {{"ALEXNET_VK_VALIDATION", "sync"}});
  if (r.err.find("validation layer is not installed") != std::string::npos) {
    if (std::getenv("ALEXNET_VK_EXPECT_VALIDATION")) FAIL() << r.err;
    GTEST_SKIP() << "the Vulkan validation layer is not installed";
  }
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("vulkan validation:"), std::string::npos) << r.err;
  const double first = r.seconds;
  // The rest of the epoch from the checkpoint: the second step, validation, the epoch's checkpoint.
  r = run_tool("train --resume " + (root / "out" / "last.ckpt").string(), {{"ALEXNET_VK_VALIDATION", "sync"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("vulkan validation:"), std::string::npos) << r.err;
  std::printf("sync-validated runs: %.1f s and %.1f s\n", first, r.seconds);
  fs::remove_all(root);
}

}  // namespace
}  // namespace alexnet::reliability
