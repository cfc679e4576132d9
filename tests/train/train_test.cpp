// Training end to end at small scale on generated IDX data: determinism, exact resume (losses and
// metrics), a falling loss, and the checkpoint rules (no non-finite weights, version 1 still
// resumes, the recipe comes back). Generated data keeps the test independent of any installed
// data set.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <string>

#include "model/io/checkpoint.h"
#include "model/io/checkpoint_io.h"
#include "model/data/idx.h"
#include "model/graph/network.h"
#include "model/train/trainer.h"
#include "runtime/error.h"
#include "runtime/transfer.h"
#include "tests/support/synthetic_data.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

namespace fs = std::filesystem;

using testing::metrics_without_times;
using testing::write_synthetic_idx;

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
  const auto first = train({&testing::context()}, o);
  o.out_dir = (root_ / "b").string();
  const auto second = train({&testing::context()}, o);
  ASSERT_EQ(first.step_losses.size(), 4u);
  EXPECT_EQ(first.step_losses, second.step_losses);
  o.seed = 2;
  o.out_dir = (root_ / "c").string();
  EXPECT_NE(train({&testing::context()}, o).step_losses, first.step_losses);
}

TEST_F(Training, InterruptedThenResumedEqualsUninterrupted) {
  // 64 images in batches of 16: 4 steps an epoch. Stop after 6 steps (inside epoch 2), resume,
  // and finish epoch 3: the losses must match a run that never stopped.
  auto o = options("straight");
  const auto straight = train({&testing::context()}, o);
  ASSERT_EQ(straight.step_losses.size(), 12u);

  auto first = options("interrupted");
  first.max_steps = 6;
  const auto part1 = train({&testing::context()}, first);
  auto second = options("interrupted");
  second.resume = (root_ / "interrupted" / "last.ckpt").string();
  const auto part2 = train({&testing::context()}, second);

  std::vector<double> joined = part1.step_losses;
  joined.insert(joined.end(), part2.step_losses.begin(), part2.step_losses.end());
  EXPECT_EQ(joined, straight.step_losses);
  EXPECT_EQ(part2.last_loss, straight.last_loss);
  // Epoch 2 was split by the resume: its train metrics still cover all four of its batches.
  const auto rows = metrics_without_times(root_ / "interrupted" / "metrics.csv");
  EXPECT_EQ(rows.size(), 4u);  // header + 3 epochs
  EXPECT_EQ(rows, metrics_without_times(root_ / "straight" / "metrics.csv"));
}

TEST_F(Training, RecipeComesBackAndVersionOneCheckpointsStillResume) {
  auto o = options("recipe");
  o.max_steps = 2;
  o.lr = 0.03f;
  o.lr_schedule = "step:2";
  o.checkpoint_every = 1;
  o.augment.crop = CropMode::Random;
  const auto first = train({&testing::context()}, o);
  const fs::path path = root_ / "recipe" / "last.ckpt";

  // A bare --resume: the run's recipe and folder; an option given on the command line wins.
  TrainOptions bare;
  bare.resume = path.string();
  inherit_recipe(bare, {});
  EXPECT_EQ(bare.lr, 0.03f);
  EXPECT_EQ(bare.lr_schedule, "step:2");
  EXPECT_EQ(bare.epochs, 3);
  EXPECT_EQ(bare.batch, TrainOptions{}.batch);  // batch and seed come from the state itself
  EXPECT_EQ(bare.checkpoint_every, 1u);
  EXPECT_EQ(bare.augment.crop, CropMode::Random);
  EXPECT_TRUE(bare.skip_validation);
  EXPECT_EQ(bare.data_dir, o.data_dir);
  EXPECT_EQ(fs::path(bare.out_dir), path.parent_path());
  TrainOptions given;
  given.resume = path.string();
  given.out_dir = "elsewhere";
  given.augment.crop = CropMode::Center;
  inherit_recipe(given, {"lr", "out", "crop"});
  EXPECT_EQ(given.lr, TrainOptions{}.lr);
  EXPECT_EQ(given.augment.crop, CropMode::Center);
  EXPECT_EQ(given.out_dir, "elsewhere");

  // A recipe from before "crop" existed: "no-crop": false meant random crops.
  {
    Checkpoint c = load_checkpoint(path.string());
    c.header["train"]["recipe"].erase("crop");
    c.header["train"]["recipe"]["no-crop"] = false;
    const fs::path older = root_ / "recipe" / "older.ckpt";
    save_checkpoint(older.string(), c);
    TrainOptions from_older;
    from_older.resume = older.string();
    inherit_recipe(from_older, {});
    EXPECT_EQ(from_older.augment.crop, CropMode::Random);
  }

  // The same file as version 1 wrote it: no partial-epoch sums, history or recipe.
  Checkpoint c = load_checkpoint(path.string());
  for (const char* key : {"epoch_tally", "history", "recipe"}) c.header["train"].erase(key);
  save_checkpoint(path.string(), c);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::uint32_t one = 1;
  std::memcpy(b.data() + 8, &one, 4);
  const auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size() - 4)));
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
  f.seekp(0);
  f.write(b.data(), static_cast<std::streamsize>(b.size()));
  f.close();
  ASSERT_EQ(load_checkpoint(path.string()).version, 1u);
  TrainOptions old = bare;
  inherit_recipe(old, {});  // no recipe: the options stay
  EXPECT_EQ(old.lr, bare.lr);
  auto again = o;
  again.resume = path.string();
  again.max_steps = 1;
  const auto resumed = train({&testing::context()}, again);
  ASSERT_EQ(resumed.step_losses.size(), 1u);
  auto straight = options("straight3");
  straight.lr = 0.03f;
  straight.lr_schedule = "step:2";
  straight.augment.crop = CropMode::Random;
  straight.max_steps = 3;
  EXPECT_EQ(train({&testing::context()}, straight).step_losses.back(), resumed.step_losses.front());
  EXPECT_EQ(first.step_losses.size(), 2u);
}

TEST_F(Training, CheckpointsNeverHoldNonFiniteWeights) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  Network network(testing::context(), arch, 2);
  network.initialize(1);
  data::Normalization norm;
  EXPECT_EQ(network.first_non_finite_parameter(), "");
  EXPECT_NO_THROW(make_checkpoint(network, network.arch(), norm, {}, TrainState{}));
  for (auto* p : network.parameters()) {
    if (p->name != "conv3.weight") continue;
    std::vector<float> values(p->count, 0.5f);
    values[values.size() / 2] = std::nanf("");
    vkrt::write<float>(testing::context(), p->value, values);
  }
  EXPECT_EQ(network.first_non_finite_parameter(), "conv3.weight");
  try {
    make_checkpoint(network, network.arch(), norm, {}, TrainState{});
    FAIL() << "a checkpoint with a NaN weight was made";
  } catch (const NonFiniteError& e) {
    EXPECT_NE(std::string(e.what()).find("conv3.weight"), std::string::npos) << e.what();
  }
}

TEST_F(Training, MemoryEstimateIsALowerBoundAndItsAdviceFits) {
  auto& context = testing::context();
  const Arch small = make_arch("alexnet-small", 10, 1, 28);
  // The network's share of the estimate at batch 16 never exceeds what it really allocates.
  const auto estimate = estimate_memory(context, small, 16);
  const std::uint64_t step_buffers = 16ull * (small.in_channels * 28 * 28 + 2 + 10) * 4;
  const auto before = context.allocator().stats().bytes_in_use;
  {
    Network network(context, small, estimate.micro_batch);
    EXPECT_LE(estimate.device_local - step_buffers, context.allocator().stats().bytes_in_use - before);
  }
  // The same at fp16 and a micro-batch of its own (fp16 activations: less than fp32's, not half).
  const auto half = estimate_memory(context, small, 16, 8, Precision::Fp16);
  EXPECT_EQ(half.micro_batch, 8);
  {
    const auto base = context.allocator().stats().bytes_in_use;
    Network network(context, small, 8, Precision::Fp16);
    EXPECT_LE(half.device_local - step_buffers, context.allocator().stats().bytes_in_use - base);
  }
  EXPECT_LT(half.device_local, estimate_memory(context, small, 16, 8).device_local);
  EXPECT_LT(estimate_memory(context, small, 16).total(), estimate_memory(context, small, 64).total());
  EXPECT_NO_THROW(require_memory_fits(context, small, 128));

  const Arch paper = make_arch("alexnet", 1000, 3, 224);
  // Rounds' activations within 256 MiB: ~7.8 MB a sample at fp32 (34 samples), half that at fp16
  // (conv1's output then stays under the 128 MiB storage-buffer range every device has).
  EXPECT_EQ(choose_micro_batch(context, paper, 512, Precision::Fp32, 256u << 20), 32);
  EXPECT_EQ(choose_micro_batch(context, paper, 512, Precision::Fp16, 256u << 20), 64);
  try {
    require_memory_fits(context, paper, 100000);
    FAIL() << "batch 100000 of the paper's net fits?";
  } catch (const vkrt::OutOfMemoryError& e) {
    const std::string message = e.what();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(message, m, std::regex("try --batch ([0-9]+)$"))) << message;
    EXPECT_NO_THROW(require_memory_fits(context, paper, std::stoi(m[1]))) << message;
  }
}

TEST_F(Training, LossFalls) {
  auto o = options("falls");
  o.epochs = 5;
  o.lr = 0.05f;
  o.lr_schedule = "step:100";
  o.arch_options.dropout = 0;
  const auto r = train({&testing::context()}, o);
  ASSERT_EQ(r.step_losses.size(), 20u);
  double early = 0, late = 0;
  for (int i = 0; i < 4; ++i) early += r.step_losses[i], late += r.step_losses[16 + i];
  EXPECT_LT(late, early * 0.8) << "early " << early / 4 << " late " << late / 4;
  EXPECT_TRUE(fs::exists(root_ / "falls" / "metrics.csv"));
  EXPECT_TRUE(fs::exists(root_ / "falls" / "curves.png"));
  EXPECT_NO_THROW(load_checkpoint((root_ / "falls" / "last.ckpt").string()));
}

// Resuming a run that has finished its epochs trains nothing, leaves its files as they are and
// reports its last validation; a larger --epochs carries on from there.
TEST_F(Training, ResumingAFinishedRunTrainsNothingAndKeepsItsFiles) {
  auto o = options("finished");
  o.epochs = 1;
  o.skip_validation = false;
  const auto done = train({&testing::context()}, o);
  ASSERT_GE(done.val_top1_error, 0);
  const auto checkpoint = root_ / "finished" / "last.ckpt";
  auto bytes = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  const std::string before = bytes(checkpoint);
  const auto metrics_before = metrics_without_times(root_ / "finished" / "metrics.csv");

  TrainOptions again;
  again.resume = checkpoint.string();
  inherit_recipe(again, {});
  const auto nothing = train({&testing::context()}, again);
  EXPECT_EQ(nothing.steps, 0u);
  EXPECT_EQ(nothing.val_top1_error, done.val_top1_error);
  EXPECT_EQ(nothing.val_top5_error, done.val_top5_error);
  EXPECT_EQ(bytes(checkpoint), before);
  EXPECT_EQ(metrics_without_times(root_ / "finished" / "metrics.csv"), metrics_before);

  again.epochs = 2;
  const auto more = train({&testing::context()}, again);
  EXPECT_EQ(more.steps, 4u);  // one more epoch of 64 images in batches of 16
  EXPECT_EQ(metrics_without_times(root_ / "finished" / "metrics.csv").size(), 3u);  // header + 2 epochs
}

TEST_F(Training, CorruptCheckpointIsAOneLineErrorAndNothingIsOverwritten) {
  auto o = options("corrupt");
  o.max_steps = 1;
  train({&testing::context()}, o);
  const auto path = root_ / "corrupt" / "last.ckpt";
  fs::resize_file(path, fs::file_size(path) / 2);
  const auto size = fs::file_size(path);
  auto again = options("corrupt");
  again.resume = path.string();
  try {
    train({&testing::context()}, again);
    FAIL() << "resuming from a truncated checkpoint did not fail";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(fs::file_size(path), size);
}

// "auto": the paper's plateau rule for alexnet; fixed drops for the short alexnet-small runs.
TEST(LrSchedule, AutoResolvesPerArchitecture) {
  TrainOptions o;
  EXPECT_EQ(o.lr_schedule, "auto");
  EXPECT_EQ(resolve_epochs(o), 20);  // alexnet-small's default
  EXPECT_EQ(resolve_lr_schedule(o), "step:13,19");
  o.epochs = 12;
  EXPECT_EQ(resolve_epochs(o), 12);
  EXPECT_EQ(resolve_lr_schedule(o), "step:8,11");
  o.epochs = 30;
  EXPECT_EQ(resolve_lr_schedule(o), "step:20,29");
  o.epochs = 4;
  EXPECT_EQ(resolve_lr_schedule(o), "step:2,3");
  o.epochs = 3;  // 2/3 of the epochs is the one before the last: a single tenfold drop
  EXPECT_EQ(resolve_lr_schedule(o), "step:2");
  o.epochs = 2;
  EXPECT_EQ(resolve_lr_schedule(o), "plateau");
  o.epochs = 0;
  o.arch = "alexnet";
  EXPECT_EQ(resolve_epochs(o), 12);  // the paper's network: its own default
  EXPECT_EQ(resolve_lr_schedule(o), "plateau");
  o.lr_schedule = "step:3";
  EXPECT_EQ(resolve_lr_schedule(o), "step:3");
  EXPECT_THROW(parse_step_schedule("auto"), std::invalid_argument);  // resolved before parsing
}

// IDX images are framed at the input size: centred by default; image folders get the paper's
// random crops. An explicit mode wins either way.
TEST(CropMode, AutoIsRandomForFoldersAndCentredForIdx) {
  Arch arch = make_arch("alexnet-small", 10, 1, 28);
  DataSource idx, folder;
  idx.kind = "idx";
  folder.kind = "folder";
  EXPECT_FALSE(augment_for(arch, idx, {}).random_crop);
  EXPECT_TRUE(augment_for(arch, folder, {}).random_crop);
  AugmentFlags random, center;
  random.crop = CropMode::Random;
  center.crop = CropMode::Center;
  EXPECT_TRUE(augment_for(arch, idx, random).random_crop);
  EXPECT_FALSE(augment_for(arch, folder, center).random_crop);
  EXPECT_EQ(parse_crop_mode("center"), CropMode::Center);
  EXPECT_STREQ(crop_mode_name(parse_crop_mode("random")), "random");
  EXPECT_THROW(parse_crop_mode("middle"), std::invalid_argument);
}

TEST(LrSchedule, DefaultLearningRatePerArchitecture) {
  TrainOptions o;
  EXPECT_EQ(resolve_lr(o), 0.05f);  // alexnet-small
  o.arch = "alexnet";
  EXPECT_EQ(resolve_lr(o), 0.01f);  // the paper's
  o.lr = 0.2f;
  EXPECT_EQ(resolve_lr(o), 0.2f);
}

}  // namespace
}  // namespace alexnet
