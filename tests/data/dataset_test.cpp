// Image folders: a generated ImageNet-style tree loads with sorted classes and case-insensitive
// extensions; empty or missing folders are DataErrors naming them; corrupt files are skipped,
// warned about once and counted; train/val class lists must agree.
#include "model/data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "model/data/error.h"
#include "tests/support/data_error.h"
#include "tests/support/temp_dir.h"

namespace alexnet::data {
namespace {

namespace fs = std::filesystem;
using testing::expect_data_error;
using testing::TempDir;
using testing::write_bytes;

// A w x h image whose every pixel is `value` (grey or RGB).
Image flat(int w, int h, int c, uint8_t value) {
  return Image{w, h, c, std::vector<uint8_t>(static_cast<std::size_t>(w) * h * c, value)};
}

// root/<split>/{b_cat, a_dog, c_fox}: JPEG and PNG files, mixed-case extensions, a text file and
// hidden entries that must be ignored.
void make_tree(const fs::path& split_dir) {
  write_bytes(split_dir / "b_cat" / "2.JPG", encode_jpeg(flat(8, 6, 3, 100), 95));
  write_bytes(split_dir / "b_cat" / "1.png", encode_png(flat(5, 4, 1, 50)));  // grey
  write_bytes(split_dir / "b_cat" / "notes.txt", {'h', 'i'});
  write_bytes(split_dir / "a_dog" / "x.JPEG", encode_jpeg(flat(4, 4, 3, 200), 95));
  write_bytes(split_dir / "a_dog" / ".hidden.jpg", {0});
  write_bytes(split_dir / "c_fox" / "y.Png", encode_png(flat(3, 3, 3, 10)));
  write_bytes(split_dir / "c_fox" / "z.jpeg", encode_jpeg(flat(4, 4, 3, 30), 95));
  fs::create_directories(split_dir / ".ipynb_checkpoints");
}

TEST(ImageFolder, GeneratedTreeLoads) {
  TempDir root;
  make_tree(root / "train");
  const auto ds = open_image_folder((root / "train").string());
  EXPECT_EQ(ds->class_names(), (std::vector<std::string>{"a_dog", "b_cat", "c_fox"}));
  EXPECT_EQ(ds->num_classes(), 3);
  EXPECT_EQ(ds->channels(), 3);
  ASSERT_EQ(ds->size(), 5u);
  // Grouped by class, files sorted by name.
  const std::vector<int> labels = {0, 1, 1, 2, 2};
  const std::vector<std::string> names = {"a_dog/x.JPEG", "b_cat/1.png", "b_cat/2.JPG",
                                          "c_fox/y.Png", "c_fox/z.jpeg"};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(ds->label(i), labels[i]);
    EXPECT_EQ(ds->item_name(i), (root / "train" / names[i]).string());
  }
  const Image grey = ds->image(1);  // the grey PNG comes back as RGB
  EXPECT_EQ(grey.channels, 3);
  EXPECT_EQ(grey.width, 5);
  EXPECT_EQ(grey.pixels, std::vector<uint8_t>(5 * 4 * 3, 50));
  const Image jpg = ds->image(0);
  EXPECT_EQ(jpg.width, 4);
  EXPECT_NEAR(jpg.pixels[0], 200, 2);
  EXPECT_EQ(ds->skipped_count(), 0u);
}

TEST(ImageFolder, MissingEmptyAndClasslessFolders) {
  TempDir root;
  expect_data_error([&] { open_image_folder((root / "nope").string()); },
                    (root / "nope").string() + ": does not exist");
  expect_data_error([&] { open_image_folder(root.str()); },
                    root.str() + ": no class subdirectories");
  make_tree(root / "train");
  fs::create_directories(root / "train" / "d_empty");
  write_bytes(root / "train" / "d_empty" / "readme.txt", {'x'});
  expect_data_error([&] { open_image_folder((root / "train").string()); },
                    (root / "train" / "d_empty").string() + ": class folder holds no");
  write_bytes(root / "file.jpg", {1});
  expect_data_error([&] { open_image_folder((root / "file.jpg").string()); }, "not a directory");
}

TEST(ImageFolder, CorruptFileIsSkippedWarnedOnceAndCounted) {
  TempDir root;
  make_tree(root / "train");
  // Replace b_cat/2.JPG (index 2) with a truncated JPEG.
  std::vector<uint8_t> jpg = encode_jpeg(flat(16, 16, 3, 90), 90);
  jpg.resize(jpg.size() / 2);
  write_bytes(root / "train" / "b_cat" / "2.JPG", jpg);
  const auto ds = open_image_folder((root / "train").string());
  EXPECT_THROW(ds->image(2), DataError);  // the direct call reports

  ::testing::internal::CaptureStderr();
  const Dataset::Example ex = ds->image_or_next_valid(2);
  const Dataset::Example again = ds->image_or_next_valid(2);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(ex.index, 3u);  // the next valid one
  EXPECT_EQ(again.index, 3u);
  EXPECT_EQ(ds->label(ex.index), 2);
  EXPECT_EQ(ds->skipped_count(), 1u);
  // One line, naming the file, printed once.
  EXPECT_NE(err.find("warning: skipping corrupt example: " +
                     (root / "train" / "b_cat" / "2.JPG").string()),
            std::string::npos)
      << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(ds->image_or_next_valid(1).index, 1u);  // valid ones are untouched
}

TEST(ImageFolder, SubstitutionWrapsAndAllCorruptIsAnError) {
  TempDir root;
  write_bytes(root / "d" / "a" / "1.png", encode_png(flat(2, 2, 3, 1)));
  write_bytes(root / "d" / "a" / "2.png", {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0});
  const auto ds = open_image_folder((root / "d").string());
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(ds->image_or_next_valid(1).index, 0u);  // wraps to the start
  ::testing::internal::GetCapturedStderr();

  write_bytes(root / "e" / "a" / "1.jpg", {0xff, 0xd8, 0xff, 0xe0});
  const auto bad = open_image_folder((root / "e").string());
  ::testing::internal::CaptureStderr();
  expect_data_error([&] { bad->image_or_next_valid(0); }, "no example of the 1");
  ::testing::internal::GetCapturedStderr();
}

TEST(ImageFolder, SplitsMustAgreeOnClasses) {
  TempDir root;
  make_tree(root / "train");
  make_tree(root / "val");
  const auto train = open_image_folder_split(root.str(), "train");
  const auto val = open_image_folder_split(root.str(), "val");
  EXPECT_EQ(train->class_names(), val->class_names());
  EXPECT_THROW(open_image_folder_split(root.str(), "test"), std::invalid_argument);

  fs::remove_all(root / "val" / "b_cat");
  expect_data_error([&] { open_image_folder_split(root.str(), "val"); },
                    "'b_cat' is in train but not in val");
  write_bytes(root / "val" / "b_cat" / "q.png", encode_png(flat(2, 2, 3, 1)));
  write_bytes(root / "val" / "bb_extra" / "q.png", encode_png(flat(2, 2, 3, 1)));
  expect_data_error([&] { open_image_folder_split(root.str(), "val"); },
                    "'bb_extra' is in val but not in train");
  fs::remove_all(root / "train");
  expect_data_error([&] { open_image_folder_split(root.str(), "val"); },
                    (root / "train").string() + ": does not exist");
}

TEST(IdxDatasetDirect, ValidatesItsInputs) {
  EXPECT_THROW(IdxDataset({1, 2, 3}, 1, 2, 2, {0}, {}, "mem"), std::invalid_argument);
  expect_data_error([] { IdxDataset({1, 2, 3, 4}, 1, 2, 2, {0, 1}, {}, "mem"); },
                    "mem: 1 images but 2 labels");
  expect_data_error([] { IdxDataset({}, 0, 2, 2, {}, {}, "mem"); }, "mem: holds no images");
  const IdxDataset ds({1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2, {0, 3}, {}, "mem");
  EXPECT_EQ(ds.num_classes(), 4);
  EXPECT_EQ(ds.class_names()[3], "3");
  EXPECT_EQ(ds.image(1).pixels, (std::vector<uint8_t>{5, 6, 7, 8}));
}

}  // namespace
}  // namespace alexnet::data
