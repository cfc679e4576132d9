// Training end to end at small scale on generated IDX data: determinism, exact resume, and a
// falling loss. Generated data keeps the test independent of any installed data set.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "model/checkpoint.h"
#include "model/data/idx.h"
#include "model/trainer.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

namespace fs = std::filesystem;

// Ten classes of 28x28 images: class c is noise plus a bright 6x6 square at a class-specific place.
void write_synthetic_idx(const fs::path& dir, std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  for (const char* split : {"train", "t10k"}) {
    data::IdxImages images{count, 28, 28, std::vector<std::uint8_t>(count * 28 * 28)};
    std::vector<std::uint8_t> labels(count);
    for (std::size_t i = 0; i < count; ++i) {
      const int c = static_cast<int>(rng() % 10);
      labels[i] = static_cast<std::uint8_t>(c);
      auto* p = &images.pixels[i * 28 * 28];
      for (int k = 0; k < 28 * 28; ++k) p[k] = static_cast<std::uint8_t>(rng() % 60);
      const int y0 = 2 + (c / 5) * 12, x0 = 2 + (c % 5) * 5;
      for (int y = y0; y < y0 + 6; ++y)
        for (int x = x0; x < x0 + 6 && x < 28; ++x) p[y * 28 + x] = 230;
    }
    data::write_idx_images((dir / (std::string(split) + "-images-idx3-ubyte")).string(), images, false);
    data::write_idx_labels((dir / (std::string(split) + "-labels-idx1-ubyte")).string(), labels, false);
  }
}

class Training : public testing::VulkanTest {
 protected:
  void SetUp() override {
    VulkanTest::SetUp();
    root_ = fs::path(::testing::TempDir()) / ("train_" + std::to_string(::getpid()) + "_" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "data");
    write_synthetic_idx(root_ / "data", 64, 5);
  }
  void TearDown() override {
    fs::remove_all(root_);
    VulkanTest::TearDown();
  }
  TrainOptions options(const std::string& out) const {
    TrainOptions o;
    o.data_dir = (root_ / "data").string();
    o.out_dir = (root_ / out).string();
    o.batch = 16;
    o.epochs = 3;
    o.lr = 0.02f;
    o.lr_schedule = "step:2";
    o.threads = 2;
    o.skip_validation = true;
    return o;
  }
  fs::path root_;
};

TEST_F(Training, SameSeedGivesBitIdenticalLosses) {
  auto o = options("a");
  o.max_steps = 4;
  const auto first = train(testing::context(), o);
  o.out_dir = (root_ / "b").string();
  const auto second = train(testing::context(), o);
  ASSERT_EQ(first.step_losses.size(), 4u);
  EXPECT_EQ(first.step_losses, second.step_losses);
  o.seed = 2;
  o.out_dir = (root_ / "c").string();
  EXPECT_NE(train(testing::context(), o).step_losses, first.step_losses);
}

TEST_F(Training, InterruptedThenResumedEqualsUninterrupted) {
  // 64 images in batches of 16: 4 steps an epoch. Stop after 6 steps (inside epoch 2), resume,
  // and finish epoch 3: the losses must match a run that never stopped.
  auto o = options("straight");
  const auto straight = train(testing::context(), o);
  ASSERT_EQ(straight.step_losses.size(), 12u);

  auto first = options("interrupted");
  first.max_steps = 6;
  const auto part1 = train(testing::context(), first);
  auto second = options("interrupted");
  second.resume = (root_ / "interrupted" / "last.ckpt").string();
  const auto part2 = train(testing::context(), second);

  std::vector<double> joined = part1.step_losses;
  joined.insert(joined.end(), part2.step_losses.begin(), part2.step_losses.end());
  EXPECT_EQ(joined, straight.step_losses);
  EXPECT_EQ(part2.last_loss, straight.last_loss);
}

TEST_F(Training, LossFalls) {
  auto o = options("falls");
  o.epochs = 5;
  o.lr = 0.05f;
  o.lr_schedule = "step:100";
  o.arch_options.dropout = 0;
  const auto r = train(testing::context(), o);
  ASSERT_EQ(r.step_losses.size(), 20u);
  double early = 0, late = 0;
  for (int i = 0; i < 4; ++i) early += r.step_losses[i], late += r.step_losses[16 + i];
  EXPECT_LT(late, early * 0.8) << "early " << early / 4 << " late " << late / 4;
  EXPECT_TRUE(fs::exists(root_ / "falls" / "metrics.csv"));
  EXPECT_TRUE(fs::exists(root_ / "falls" / "curves.png"));
  EXPECT_NO_THROW(load_checkpoint((root_ / "falls" / "last.ckpt").string()));
}

TEST_F(Training, CorruptCheckpointIsAOneLineErrorAndNothingIsOverwritten) {
  auto o = options("corrupt");
  o.max_steps = 1;
  train(testing::context(), o);
  const auto path = root_ / "corrupt" / "last.ckpt";
  fs::resize_file(path, fs::file_size(path) / 2);
  const auto size = fs::file_size(path);
  auto again = options("corrupt");
  again.resume = path.string();
  try {
    train(testing::context(), again);
    FAIL() << "resuming from a truncated checkpoint did not fail";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(fs::file_size(path), size);
}

}  // namespace
}  // namespace alexnet
