// The loader's contract: bit-identical batches for any thread count, resume equals the tail of a
// full epoch, every example once per epoch, partial last batches, a fixed cross-library order,
// corrupt-example substitution, error propagation, and a prompt destructor.
#include "model/data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <set>
#include <thread>
#include <vector>

#include "model/data/error.h"

namespace alexnet::data {
namespace {

// Example i: an 8x8 RGB image whose pixels encode i, label i % 5. Examples listed in `corrupt`
// throw DataError; `delay` slows image() down to test shutdown.
class SyntheticDataset final : public Dataset {
 public:
  explicit SyntheticDataset(std::size_t n, std::set<std::size_t> corrupt = {},
                            std::chrono::milliseconds delay = {}, int side = 8)
      : n_(n), corrupt_(std::move(corrupt)), delay_(delay), side_(side) {}
  std::size_t size() const override { return n_; }
  int num_classes() const override { return 5; }
  const std::vector<std::string>& class_names() const override { return names_; }
  int label(std::size_t i) const override { return static_cast<int>(i % 5); }
  int channels() const override { return 3; }
  Image image(std::size_t i) const override {
    ++calls;
    if (delay_.count()) std::this_thread::sleep_for(delay_);
    if (corrupt_.count(i)) throw DataError(item_name(i), "corrupt on purpose");
    Image im{side_, side_, 3, std::vector<uint8_t>(static_cast<std::size_t>(side_) * side_ * 3)};
    for (std::size_t p = 0; p < im.pixels.size(); ++p)
      im.pixels[p] = static_cast<uint8_t>((i * 31 + p * 7) % 251);
    return im;
  }
  std::string item_name(std::size_t i) const override { return "synthetic/" + std::to_string(i); }
  mutable std::atomic<int> calls{0};

 private:
  std::size_t n_;
  std::set<std::size_t> corrupt_;
  std::chrono::milliseconds delay_;
  int side_;
  std::vector<std::string> names_{"a", "b", "c", "d", "e"};
};

AugmentConfig small_augment() {
  AugmentConfig a;
  a.crop = 6;
  a.pca_std = 0.1f;
  return a;
}

Normalization small_norm() {
  Normalization n;
  n.mean = {120, 110, 100};
  n.eigval = {0.2f, 0.02f, 0.004f};
  n.eigvec = {{{0.58f, 0.58f, 0.57f}, {0.71f, 0.0f, -0.71f}, {0.41f, -0.82f, 0.41f}}};
  return n;
}

std::vector<Batch> all_batches(Loader& loader) {
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

std::vector<Batch> epoch(const Dataset& ds, LoaderConfig cfg) {
  Loader loader(ds, small_augment(), small_norm(), cfg);
  return all_batches(loader);
}

void expect_same(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].index_in_epoch, b[k].index_in_epoch);
    EXPECT_EQ(a[k].count, b[k].count);
    EXPECT_EQ(a[k].labels, b[k].labels);
    EXPECT_EQ(a[k].indices, b[k].indices);
    // Bit-identical floats: compare the bytes, not with a tolerance.
    ASSERT_EQ(a[k].images.size(), b[k].images.size());
    EXPECT_EQ(0, std::memcmp(a[k].images.data(), b[k].images.data(),
                             a[k].images.size() * sizeof(float)))
        << "batch " << k;
  }
}

TEST(Loader, IdenticalForAnyThreadCount) {
  const SyntheticDataset ds(103);
  LoaderConfig cfg;
  cfg.batch = 8;
  cfg.seed = 77;
  cfg.epoch = 2;
  cfg.threads = 1;
  const auto one = epoch(ds, cfg);
  ASSERT_EQ(one.size(), 12u);  // 103 / 8, last partial dropped
  cfg.threads = 3;
  cfg.prefetch = 1;
  expect_same(one, epoch(ds, cfg));
  cfg.threads = 0;  // inline
  expect_same(one, epoch(ds, cfg));
  cfg.threads = 2;
  cfg.prefetch = 6;
  expect_same(one, epoch(ds, cfg));
}

TEST(Loader, ResumeEqualsTailOfFullEpoch) {
  const SyntheticDataset ds(50);
  LoaderConfig cfg;
  cfg.batch = 7;
  cfg.drop_last = false;
  const auto full = epoch(ds, cfg);
  ASSERT_EQ(full.size(), 8u);
  for (std::size_t start : {std::size_t{0}, std::size_t{3}, std::size_t{7}, std::size_t{8}}) {
    cfg.start_batch = start;
    const auto tail = epoch(ds, cfg);
    expect_same(std::vector<Batch>(full.begin() + static_cast<std::ptrdiff_t>(start), full.end()),
                tail);
  }
  cfg.start_batch = 9;
  EXPECT_THROW(Loader(ds, small_augment(), small_norm(), cfg), std::invalid_argument);
}

TEST(Loader, EveryExampleOncePerEpochAndEpochsDiffer) {
  const SyntheticDataset ds(37);
  LoaderConfig cfg;
  cfg.batch = 5;
  cfg.drop_last = false;
  std::vector<std::vector<std::size_t>> orders;
  for (int e = 0; e < 3; ++e) {
    cfg.epoch = e;
    std::vector<std::size_t> seen;
    for (const Batch& b : epoch(ds, cfg)) {
      seen.insert(seen.end(), b.indices.begin(), b.indices.end());
      for (int j = 0; j < b.count; ++j) EXPECT_EQ(b.labels[j], static_cast<int>(b.indices[j] % 5));
    }
    std::vector<std::size_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::size_t> all(37);
    std::iota(all.begin(), all.end(), std::size_t{0});
    EXPECT_EQ(sorted, all) << "epoch " << e;
    orders.push_back(seen);
  }
  EXPECT_NE(orders[0], orders[1]);
  EXPECT_NE(orders[1], orders[2]);
  // No shuffle: dataset order.
  cfg.shuffle = false;
  EXPECT_EQ(epoch(ds, cfg)[1].indices, (std::vector<std::size_t>{5, 6, 7, 8, 9}));
}

// The permutation is our own Fisher-Yates over our own generator, so it is the same under every
// standard library; these numbers pin it (a change here breaks resuming old checkpoints).
TEST(Loader, EpochOrderIsPinned) {
  EXPECT_EQ(Loader::epoch_order(10, 1, 0, true),
            (std::vector<std::size_t>{5, 1, 6, 9, 4, 8, 0, 3, 7, 2}));
  EXPECT_EQ(Loader::epoch_order(4, 1, 0, false), (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(Loader, PartialLastBatch) {
  const SyntheticDataset ds(10);
  LoaderConfig cfg;
  cfg.batch = 4;
  cfg.drop_last = false;
  cfg.view = View::Center;
  cfg.shuffle = false;
  Loader loader(ds, small_augment(), small_norm(), cfg);
  EXPECT_EQ(loader.batches_per_epoch(), 3u);
  const auto batches = all_batches(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[2].count, 2);
  EXPECT_EQ(batches[2].labels.size(), 2u);
  EXPECT_EQ(batches[2].images.size(), 2 * loader.example_floats());
  EXPECT_EQ(loader.example_floats(), 3u * 6 * 6);
  EXPECT_FALSE(loader.next().has_value());  // stays at the end
  EXPECT_GE(loader.wait_seconds(), 0.0);
  cfg.drop_last = true;
  EXPECT_EQ(Loader(ds, small_augment(), small_norm(), cfg).batches_per_epoch(), 2u);
}

TEST(Loader, CorruptExamplesAreSubstitutedDeterministically) {
  const SyntheticDataset ds(20, {3, 4, 11});
  LoaderConfig cfg;
  cfg.batch = 5;
  cfg.shuffle = false;
  testing::internal::CaptureStderr();
  std::vector<Batch> a;
  {
    cfg.threads = 3;
    a = epoch(ds, cfg);
  }
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].indices, (std::vector<std::size_t>{0, 1, 2, 5, 5}));
  EXPECT_EQ(a[0].labels, (std::vector<int32_t>{0, 1, 2, 0, 0}));
  EXPECT_EQ(a[2].indices, (std::vector<std::size_t>{10, 12, 12, 13, 14}));
  EXPECT_EQ(ds.skipped_count(), 3u);
  EXPECT_NE(err.find("synthetic/11: corrupt on purpose"), std::string::npos) << err;
  cfg.threads = 1;
  expect_same(a, epoch(ds, cfg));
}

TEST(Loader, ErrorsReachTheConsumerNamingTheFile) {
  const SyntheticDataset ds(12, {}, {}, /*side=*/4);  // smaller than the 6-pixel crop
  LoaderConfig cfg;
  cfg.batch = 4;
  Loader loader(ds, small_augment(), small_norm(), cfg);
  try {
    loader.next();
    ADD_FAILURE() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("synthetic/"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("smaller than the crop"), std::string::npos) << e.what();
  }
}

TEST(Loader, DestructorIsPrompt) {
  // 10 ms per image, 64 per batch: finishing the in-flight batches would take ~0.6 s each.
  const SyntheticDataset ds(2000, {}, std::chrono::milliseconds(10));
  LoaderConfig cfg;
  cfg.batch = 64;
  cfg.threads = 2;
  const auto t0 = std::chrono::steady_clock::now();
  {
    Loader loader(ds, small_augment(), small_norm(), cfg);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 0.3);
  EXPECT_LT(ds.calls.load(), 64);  // the workers stopped mid-batch
}

TEST(Loader, BadConfigs) {
  const SyntheticDataset ds(10);
  LoaderConfig cfg;
  cfg.batch = 0;
  EXPECT_THROW(Loader(ds, small_augment(), small_norm(), cfg), std::invalid_argument);
  cfg.batch = 2;
  Normalization grey_norm;
  grey_norm.mean = {1};
  EXPECT_THROW(Loader(ds, small_augment(), grey_norm, cfg), std::invalid_argument);
  AugmentConfig no_crop = small_augment();
  no_crop.crop = 0;
  EXPECT_THROW(Loader(ds, no_crop, small_norm(), cfg), std::invalid_argument);
}

// End to end on the real files: Fashion-MNIST through the normalisation and the loader.
TEST(Loader, FashionMnistEndToEnd) {
  const char* dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " missing";
  const auto test = open_idx(dir, Split::Test);
  const Normalization norm = compute_normalization(*test, 2000, 1, 2);
  ASSERT_EQ(norm.mean.size(), 1u);
  EXPECT_NEAR(norm.mean[0], 0.286 * 255, 2.0);  // the published Fashion-MNIST mean is ~0.286
  AugmentConfig aug;
  aug.channels = 1;
  aug.crop = 28;
  aug.pad = 2;
  LoaderConfig cfg;
  cfg.batch = 128;
  Loader loader(*test, aug, norm, cfg);
  EXPECT_EQ(loader.batches_per_epoch(), 78u);
  const auto b = loader.next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->images.size(), 128u * 28 * 28);
  for (int32_t l : b->labels) EXPECT_LT(l, 10);
}

}  // namespace
}  // namespace alexnet::data
