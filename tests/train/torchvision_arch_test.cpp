// torchvision's layout trains: alexnet-torchvision, from a JSON file that sets its input size to
// 64 (pool5 is then 1x1 and the adaptive pool upsamples it to 6x6), takes two SGD steps on a tiny
// generated RGB image folder; the checkpoint records the layout and torchvision's per-channel mean
// and std; and its weights, renamed to torchvision's state_dict names, start a fine-tuning run
// through --init-from with a new classifier.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

#include "model/data/image.h"
#include "model/graph/arch_json.h"
#include "model/io/checkpoint.h"
#include "model/io/checkpoint_io.h"
#include "model/io/safetensors.h"
#include "model/io/weights.h"
#include "model/train/trainer.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {
namespace fs = std::filesystem;

// Two classes of 73x73 RGB noise (64 * 256 / 224: the folder pipeline's resize), reddish and bluish.
void write_folder(const fs::path& root, int per_class) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> noise(0, 90);
  for (const char* split : {"train", "val"})
    for (int c = 0; c < 2; ++c) {
      const fs::path dir = root / split / (c == 0 ? "red" : "blue");
      fs::create_directories(dir);
      for (int i = 0; i < per_class; ++i) {
        data::Image im{73, 73, 3, std::vector<std::uint8_t>(73 * 73 * 3)};
        for (std::size_t p = 0; p < im.pixels.size(); ++p)
          im.pixels[p] = static_cast<std::uint8_t>(noise(rng) + ((p % 3 == 0) == (c == 0) ? 150 : 0));
        data::write_png((dir / (std::to_string(i) + ".png")).string(), im);
      }
    }
}

class TorchvisionTraining : public testing::VulkanTest {
 protected:
  void SetUp() override {
    VulkanTest::SetUp();
    root_ = fs::path(::testing::TempDir()) / ("tv_train_" + std::to_string(::getpid()));
    write_folder(root_ / "data", 4);
    nlohmann::json arch = arch_to_json(arch_preset("alexnet-torchvision"));
    arch["in_size"] = 64;
    std::ofstream(root_ / "tv64.json") << arch.dump(2);
  }
  void TearDown() override {
    fs::remove_all(root_);
    VulkanTest::TearDown();
  }
  TrainOptions options(const std::string& out) const {
    TrainOptions o;
    o.arch = (root_ / "tv64.json").string();
    o.data_dir = (root_ / "data").string();
    o.out_dir = (root_ / out).string();
    o.batch = 4;
    o.epochs = 1;
    o.max_steps = 2;
    o.lr = 0.001f;
    o.threads = 2;
    o.skip_validation = true;
    return o;
  }
  fs::path root_;
};

TEST_F(TorchvisionTraining, TwoStepsThenFineTuneFromTorchvisionNames) {
  const TrainResult first = train({&testing::context()}, options("scratch"));
  ASSERT_EQ(first.step_losses.size(), 2u);
  for (double loss : first.step_losses) EXPECT_TRUE(std::isfinite(loss) && loss > 0) << loss;
  EXPECT_EQ(first.parameter_count, 61100840u - 998u * 4097u);  // torchvision's, with 2 classes

  const std::string ckpt = (root_ / "scratch" / "last.ckpt").string();
  const Checkpoint c = load_checkpoint(ckpt);
  const Arch arch = checkpoint_arch(c, ckpt);
  EXPECT_EQ(arch.in_size, 64);
  EXPECT_EQ(arch.avgpool, 6);
  EXPECT_EQ(arch.fcs[0].input_dropout, true);
  const data::Normalization norm = checkpoint_normalization(c, ckpt);
  EXPECT_EQ(norm.std, (std::vector<float>{0.229f, 0.224f, 0.225f}));
  ASSERT_EQ(norm.mean.size(), 3u);
  EXPECT_FLOAT_EQ(norm.mean[0], 0.485f * 255.0f);
  EXPECT_FLOAT_EQ(norm.pixel_scale, 1.0f / 255.0f);

  // The trained weights as a torchvision state_dict (no metadata), for --init-from.
  std::map<std::string, Tensor> state_dict;
  for (const auto& [theirs, ours] : torchvision_names(arch)) state_dict[theirs] = c.tensors.at(ours);
  const std::string weights = (root_ / "tv.safetensors").string();
  write_safetensors(weights, state_dict, {{"format", "pt"}});
  TrainOptions tune = options("tuned");
  tune.init_from = weights;
  tune.new_classifier = true;
  const TrainResult second = train({&testing::context()}, tune);
  ASSERT_EQ(second.step_losses.size(), 2u);
  EXPECT_TRUE(std::isfinite(second.last_loss));
  const Checkpoint tuned = load_checkpoint((root_ / "tuned" / "last.ckpt").string());
  // Everything but the new classifier started from the file: conv1 moved only by two small steps.
  const auto& before = c.tensors.at("conv1.weight").data;
  const auto& after = tuned.tensors.at("conv1.weight").data;
  double moved = 0, size = 0;
  for (std::size_t i = 0; i < before.size(); ++i) moved += std::abs(after[i] - before[i]), size += std::abs(before[i]);
  EXPECT_LT(moved, 0.05 * size);
}

}  // namespace
}  // namespace alexnet
