// prepare -> read back on a generated image folder: every record is the image the recipe makes,
// labels and classes are ImageFolder's, the stored statistics are the records' own; packed and
// folder loaders give the same crops; batches do not depend on the thread count; a re-run keeps
// what is unchanged; an interrupted prepare leaves nothing that reads as valid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "model/data/augment.h"
#include "model/data/loader.h"
#include "model/data/packed_dataset.h"
#include "model/data/prepare.h"
#include "tests/data/packed_fixture.h"

namespace alexnet::data {
namespace {

using namespace testing;

// What prepare must have stored for a source file.
Image expected_record(const std::string& path, int size) {
  return resize_and_center(view_of(to_channels(load_image(path, size), 3)), size);
}

TEST(Prepare, ReadsBackAsTheRecipeSays) {
  TempDir tmp;
  const int n = make_image_tree(tmp / "src");
  const PrepareReport r = prepare_packed(small_prepare(tmp / "src", tmp / "packed"));
  EXPECT_EQ(r.sources, static_cast<uint64_t>(n + 6));
  EXPECT_EQ(r.stored, r.sources);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.shards_written, 4u + 2u);  // 15 train images in shards of 4, 6 val
  EXPECT_EQ(r.shards_kept, 0u);
  ASSERT_TRUE(is_packed((tmp / "packed").string()));

  const ImageFolderDataset folder((tmp / "src" / "train").string());
  const auto packed = open_packed((tmp / "packed").string(), PackedSplit::Train);
  ASSERT_EQ(packed->size(), folder.size());
  EXPECT_EQ(packed->class_names(), folder.class_names());
  EXPECT_EQ(packed->channels(), 3);
  EXPECT_EQ(packed->image_size(), 16);
  PixelStats stats;
  std::vector<double> mean_image(16 * 16 * 3, 0.0);
  for (std::size_t i = 0; i < folder.size(); ++i) {
    EXPECT_EQ(packed->label(i), folder.label(i)) << i;
    const Image got = packed->image(i);
    EXPECT_EQ(got.pixels, expected_record(folder.item_name(i), 16).pixels) << folder.item_name(i);
    const auto in_place = packed->pixels_in_place(i);
    ASSERT_TRUE(in_place.has_value());
    EXPECT_EQ(0, std::memcmp(in_place->pixels, got.pixels.data(), got.pixels.size()));
    EXPECT_NE(packed->item_name(i).find(fs::path(folder.item_name(i)).filename().string()), std::string::npos);
    stats.add(view_of(got));
    for (std::size_t p = 0; p < mean_image.size(); ++p) mean_image[p] += got.pixels[p];
  }
  // The stored statistics are exactly the records' (integer sums, so exact equality).
  const auto norm = packed->normalization();
  ASSERT_TRUE(norm.has_value());
  const Normalization want = stats.normalization();
  EXPECT_EQ(norm->mean, want.mean);
  EXPECT_EQ(norm->eigval, want.eigval);
  EXPECT_EQ(norm->eigvec, want.eigvec);
  const std::vector<float> stored_mean = packed->mean_image();
  ASSERT_EQ(stored_mean.size(), mean_image.size());
  for (std::size_t p = 0; p < mean_image.size(); ++p)
    EXPECT_FLOAT_EQ(stored_mean[p], static_cast<float>(mean_image[p] / folder.size())) << p;

  const auto val = open_packed((tmp / "packed").string(), PackedSplit::Val);
  EXPECT_EQ(val->size(), 6u);
  EXPECT_EQ(val->normalization()->mean, want.mean);  // the training split's, wherever read from
  EXPECT_EQ(verify_packed((tmp / "packed").string()), folder.size() + 6);
}

TEST(Prepare, PlainImageFolderRootAndTestSplit) {
  TempDir tmp;
  make_image_tree(tmp / "src");
  // A torchvision ImageFolder root: class folders directly under it, one (training) split.
  fs::rename(tmp / "src" / "val", tmp / "heldout");
  auto o = small_prepare(tmp / "src" / "train", tmp / "p1");
  EXPECT_EQ(prepare_packed(o).stored, 15u);
  EXPECT_EQ(open_packed((tmp / "p1").string(), PackedSplit::Train)->size(), 15u);
  expect_data_error([&] { open_packed((tmp / "p1").string(), PackedSplit::Val); }, "holds no val split");
  // test/ is accepted as the held-out split.
  fs::rename(tmp / "heldout", tmp / "src" / "test");
  o = small_prepare(tmp / "src", tmp / "p2");
  prepare_packed(o);
  EXPECT_EQ(open_packed((tmp / "p2").string(), PackedSplit::Val)->size(), 6u);
}

TEST(Prepare, CorruptAndUndecodableSourcesAreSkippedCountedAndListed) {
  TempDir tmp;
  make_image_tree(tmp / "src");
  std::vector<uint8_t> truncated = encode_jpeg(textured(30, 30, 3, 9), 90);
  truncated.resize(truncated.size() / 2);
  write_bytes(tmp / "src" / "train" / "b_dog" / "0_truncated.jpg", truncated);
  write_bytes(tmp / "src" / "train" / "c_eel" / "0_bitmap.bmp", {'B', 'M', 0, 0, 0, 0});  // no decoder
  const PrepareReport r = prepare_packed(small_prepare(tmp / "src", tmp / "packed"));
  EXPECT_EQ(r.sources, 23u);
  EXPECT_EQ(r.stored, 21u);
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_EQ(r.skipped[0].path, "train/b_dog/0_truncated.jpg");
  EXPECT_NE(r.skipped[0].reason.find("corrupt JPEG"), std::string::npos) << r.skipped[0].reason;
  EXPECT_EQ(r.skipped[1].path, "train/c_eel/0_bitmap.bmp");
  EXPECT_NE(r.skipped[1].reason.find("not a JPEG or PNG"), std::string::npos) << r.skipped[1].reason;
  const PackedIndex index = read_packed_index((tmp / "packed" / "index.json").string());
  EXPECT_EQ(index.train.sources, 17u);
  EXPECT_EQ(index.train.count, 15u);
  ASSERT_EQ(index.train.skipped.size(), 2u);
  EXPECT_EQ(index.train.skipped[1].path, "train/c_eel/0_bitmap.bmp");
  // The stored images are the good ones, in order, with their labels.
  const auto packed = open_packed((tmp / "packed").string(), PackedSplit::Train);
  ASSERT_EQ(packed->size(), 15u);
  EXPECT_NE(packed->item_name(5).find("b_dog/1.jpg"), std::string::npos) << packed->item_name(5);
  EXPECT_EQ(packed->label(5), 1);
}

AugmentConfig crop_config(int size) {
  AugmentConfig a;
  a.resize_short = size;
  a.center = size;
  a.crop = size - 4;
  a.pca_std = 0.1f;
  return a;
}

Normalization some_norm() {
  Normalization n;
  n.mean = {120, 110, 100};
  n.eigval = {0.2f, 0.02f, 0.004f};
  n.eigvec = {{{0.58f, 0.58f, 0.57f}, {0.71f, 0.0f, -0.71f}, {0.41f, -0.82f, 0.41f}}};
  return n;
}

std::vector<Batch> epoch(const Dataset& ds, const AugmentConfig& a, LoaderConfig cfg) {
  Loader loader(ds, a, some_norm(), cfg);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

void expect_same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].labels, b[k].labels) << k;
    EXPECT_EQ(a[k].indices, b[k].indices) << k;
    EXPECT_EQ(a[k].pixels, b[k].pixels) << k;
    ASSERT_EQ(a[k].images.size(), b[k].images.size()) << k;
    if (!a[k].images.empty()) {  // memcmp of bytes: bit-identical floats, not a tolerance
      EXPECT_EQ(0, std::memcmp(a[k].images.data(), b[k].images.data(), a[k].images.size() * sizeof(float))) << k;
    }
  }
}

TEST(PackedLoader, SameCropsAsTheFolderForTheSameSeed) {
  TempDir tmp;
  make_image_tree(tmp / "src");
  prepare_packed(small_prepare(tmp / "src", tmp / "packed"));
  const ImageFolderDataset folder((tmp / "src" / "train").string());
  const auto packed = open_packed((tmp / "packed").string(), PackedSplit::Train);
  for (PixelFormat format : {PixelFormat::Float, PixelFormat::Uint8})
    for (View view : {View::Train, View::Center, View::TenCrop6}) {
      LoaderConfig cfg;
      cfg.batch = 4;
      cfg.threads = 2;
      cfg.seed = 11;
      cfg.epoch = 3;
      cfg.view = view;
      cfg.output = format;
      // The folder decodes at the same DCT scale prepare used (its resize target is the size).
      const auto from_folder = epoch(folder, crop_config(16), cfg);
      const auto from_packed = epoch(*packed, crop_config(16), cfg);
      expect_same_batches(from_folder, from_packed);
      ASSERT_FALSE(from_packed.empty());
      if (format == PixelFormat::Float) EXPECT_FALSE(from_packed[0].images.empty());
      else EXPECT_FALSE(from_packed[0].pixels.empty());
    }
}

TEST(PackedLoader, BatchesAreBitIdenticalForAnyThreadCount) {
  TempDir tmp;
  make_image_tree(tmp / "src");
  prepare_packed(small_prepare(tmp / "src", tmp / "packed"));
  const auto packed = open_packed((tmp / "packed").string(), PackedSplit::Train);
  for (PixelFormat format : {PixelFormat::Uint8, PixelFormat::Float}) {
    LoaderConfig cfg;
    cfg.batch = 3;
    cfg.seed = 5;
    cfg.output = format;
    cfg.threads = 0;  // built inside next()
    const auto reference = epoch(*packed, crop_config(16), cfg);
    for (int threads : {1, 2, 5}) {
      cfg.threads = threads;
      cfg.prefetch = threads;
      expect_same_batches(reference, epoch(*packed, crop_config(16), cfg));
    }
  }
  // At another input size the records are resized on the fly, still deterministically.
  LoaderConfig cfg;
  cfg.batch = 5;
  cfg.output = PixelFormat::Uint8;
  cfg.threads = 0;
  const auto reference = epoch(*packed, crop_config(12), cfg);
  cfg.threads = 3;
  expect_same_batches(reference, epoch(*packed, crop_config(12), cfg));
}

TEST(Prepare, ReRunKeepsUnchangedShardsAndRebuildsChangedOnes) {
  TempDir tmp;
  make_image_tree(tmp / "src");
  const auto o = small_prepare(tmp / "src", tmp / "packed");
  prepare_packed(o);
  const std::vector<uint8_t> shard1 = read_bytes(tmp / "packed" / "train-00001.pack");
  PrepareReport r = prepare_packed(o);
  EXPECT_EQ(r.shards_kept, 6u);
  EXPECT_EQ(r.shards_written, 0u);
  EXPECT_EQ(r.decoded, 0u);
  // Train slot 5 ("b_dog/1.jpg") is in shard 1: replacing the file rebuilds that shard only.
  write_bytes(tmp / "src" / "train" / "b_dog" / "1.jpg", encode_jpeg(textured(50, 40, 3, 77), 90));
  r = prepare_packed(o);
  EXPECT_EQ(r.shards_written, 1u);
  EXPECT_EQ(r.shards_kept, 5u);
  EXPECT_EQ(r.decoded, 4u);
  EXPECT_NE(read_bytes(tmp / "packed" / "train-00001.pack"), shard1);
  const auto packed = open_packed((tmp / "packed").string(), PackedSplit::Train);
  EXPECT_EQ(packed->image(5).pixels, expected_record((tmp / "src" / "train" / "b_dog" / "1.jpg").string(), 16).pixels);
  // A damaged shard is not kept.
  std::vector<uint8_t> bytes = read_bytes(tmp / "packed" / "train-00002.pack");
  bytes.back() ^= 1;
  write_bytes(tmp / "packed" / "train-00002.pack", bytes);
  r = prepare_packed(o);
  EXPECT_EQ(r.shards_written, 1u);
  EXPECT_EQ(verify_packed((tmp / "packed").string()), 21u);
}

// Each point a failure can stop prepare at: nothing there reads as a data set, and the next run
// finishes the job, keeping the shards that were complete.
TEST(Prepare, InterruptedRunLeavesNothingValidAndResumes) {
  TempDir tmp;
  make_image_tree(tmp / "src");
  prepare_packed(small_prepare(tmp / "src", tmp / "fresh"));
  const auto fresh = open_packed((tmp / "fresh").string(), PackedSplit::Train);
  int run = 0;
  for (const std::string point : {"prepare:train-00001.pack:written", "prepare:train-00002.pack:renamed",
                                  "prepare:index.json:written"}) {
    SCOPED_TRACE(point);
    const fs::path out = tmp / ("out" + std::to_string(run++));
    auto o = small_prepare(tmp / "src", out);
    o.threads = 1;  // shards complete in order, so the kept count below is exact
    o.hook = [&](const std::string& at) {
      if (at == point) throw std::runtime_error("injected failure at " + at);
    };
    EXPECT_THROW(prepare_packed(o), std::runtime_error);
    EXPECT_FALSE(is_packed(out.string()));
    expect_data_error([&] { open_packed(out.string(), PackedSplit::Train); }, "no index.json");
    for (const auto& e : fs::directory_iterator(out))
      EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
    o.hook = nullptr;
    const PrepareReport r = prepare_packed(o);
    const uint32_t kept = point.find("00001") != std::string::npos ? 1 : point.find("00002") != std::string::npos ? 3 : 6;
    EXPECT_EQ(r.shards_kept, kept);
    const auto resumed = open_packed(out.string(), PackedSplit::Train);
    ASSERT_EQ(resumed->size(), fresh->size());
    for (std::size_t i = 0; i < fresh->size(); ++i) EXPECT_EQ(resumed->image(i).pixels, fresh->image(i).pixels);
    // Deterministic: the resumed run wrote what a run never stopped wrote, byte for byte.
    for (const char* file : {"index.json", "train-00000.pack", "train-00003.pack", "val-00001.pack"})
      EXPECT_EQ(read_bytes(out / file), read_bytes(tmp / "fresh" / file)) << file;
  }
}

}  // namespace
}  // namespace alexnet::data
