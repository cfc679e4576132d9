// Bringing your own weights through the tool: export a trained run, fine-tune it on data with
// another class count with --new-classifier, and evaluate exported weights directly.
#include "tests/reliability/harness.h"

namespace alexnet::reliability {
namespace {

const char* kRunFlags = "--train-limit 32 --val-limit 16 --batch 8 --epochs 1 --seed 3";

class FineTune : public ToolRunTest {};

TEST_F(FineTune, AnExportFineTunesOnAnotherClassCountWithANewClassifier) {
  ASSERT_EQ(run_tool("train " + data_ + kRunFlags + " --out " + (root_ / "base").string()).exit_code, 0);
  const std::string weights = (root_ / "base.safetensors").string();
  const auto exported = run_tool("export --checkpoint " + (root_ / "base" / "last.ckpt").string() + " -o " + weights);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;

  write_synthetic_idx(root_ / "three", 32, 7, 3);
  const std::string three = "--data " + (root_ / "three").string() + " ";
  const auto refused = run_tool("train " + three + kRunFlags + " --init-from " + weights + " --out " +
                                (root_ / "refused").string());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(line_count(refused.err), 1) << refused.err;
  EXPECT_NE(refused.err.find("fc8.weight is [10, 512], the architecture wants [3, 512]; give --new-classifier"), std::string::npos)
      << refused.err;

  const auto tuned = run_tool("train " + three + kRunFlags + " --init-from " + weights + " --new-classifier --out " +
                              (root_ / "tuned").string());
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_NE(tuned.out.find("init: " + weights + " (fc8 new)"), std::string::npos) << tuned.out;
  EXPECT_NE(tuned.out.find("3 classes"), std::string::npos) << tuned.out;

  // The exported weights evaluate as the checkpoint does.
  const auto from_checkpoint = run_tool("eval --json " + data_ + "--checkpoint " + (root_ / "base" / "last.ckpt").string());
  const auto from_weights = run_tool("eval --json " + data_ + "--weights " + weights);
  ASSERT_EQ(from_weights.exit_code, 0) << from_weights.err;
  EXPECT_EQ(from_weights.out, from_checkpoint.out);
}

}  // namespace
}  // namespace alexnet::reliability
