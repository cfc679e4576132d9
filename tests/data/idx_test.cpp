// IDX reading: raw and gzip round trips, the real Fashion-MNIST files, and every kind of bad
// header or payload giving a one-line DataError that names the file (never a crash or a huge
// allocation).
#include "model/data/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "model/data/dataset.h"
#include "model/data/error.h"
#include "tests/support/data_error.h"
#include "tests/support/temp_dir.h"

namespace alexnet::data {
namespace {

namespace fs = std::filesystem;
using testing::expect_data_error;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

const char* const kFashionDir = "/usr/share/datasets/fashion-mnist";

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  if (!bytes.empty()) gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
}

// An IDX header: magic then big-endian sizes.
std::vector<uint8_t> header(uint32_t magic, std::vector<uint32_t> dims) {
  std::vector<uint8_t> out;
  dims.insert(dims.begin(), magic);
  for (uint32_t v : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
  return out;
}

IdxImages sample_images() {
  IdxImages im;
  im.count = 5;
  im.rows = 3;
  im.cols = 4;
  for (std::size_t i = 0; i < im.count * 12; ++i) im.pixels.push_back(static_cast<uint8_t>(i * 7));
  return im;
}

TEST(Idx, RawRoundTrip) {
  TempDir dir;
  const IdxImages im = sample_images();
  const std::vector<uint8_t> labels = {3, 1, 4, 1, 5};
  write_idx_images(dir.file("images"), im, false);
  write_idx_labels(dir.file("labels"), labels, false);
  EXPECT_EQ(read_bytes(dir.file("images")).size(), 16u + 60u);  // really uncompressed
  const IdxImages back = read_idx_images(dir.file("images"));
  EXPECT_EQ(back.count, 5u);
  EXPECT_EQ(back.rows, 3);
  EXPECT_EQ(back.cols, 4);
  EXPECT_EQ(back.pixels, im.pixels);
  EXPECT_EQ(read_idx_labels(dir.file("labels")), labels);
}

// gzip is recognised by its magic bytes whatever the name says.
TEST(Idx, GzipRoundTripDetectedByMagic) {
  TempDir dir;
  const IdxImages im = sample_images();
  write_idx_images(dir.file("images_no_suffix"), im, true);
  const std::vector<uint8_t> bytes = read_bytes(dir.file("images_no_suffix"));
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], 0x1f);
  EXPECT_EQ(bytes[1], 0x8b);
  EXPECT_EQ(read_idx_images(dir.file("images_no_suffix")).pixels, im.pixels);
  // And a raw file named .gz is read as raw.
  write_idx_images(dir.file("raw.gz"), im, false);
  EXPECT_EQ(read_idx_images(dir.file("raw.gz")).pixels, im.pixels);
  const std::vector<uint8_t> labels = {9, 8, 7};
  write_idx_labels(dir.file("labels.gz"), labels, true);
  EXPECT_EQ(read_idx_labels(dir.file("labels.gz")), labels);
}

TEST(Idx, FashionMnistLoads) {
  if (!fs::exists(kFashionDir)) GTEST_SKIP() << kFashionDir << " missing: apt install dataset-fashion-mnist";
  const auto train = open_idx(kFashionDir, Split::Train);
  EXPECT_EQ(train->size(), 60000u);
  EXPECT_EQ(train->num_classes(), 10);
  EXPECT_EQ(train->channels(), 1);
  EXPECT_EQ(train->class_names().front(), "0");
  const Image first = train->image(0);
  EXPECT_EQ(first.width, 28);
  EXPECT_EQ(first.height, 28);
  EXPECT_EQ(first.channels, 1);
  std::vector<int> per_class(10, 0);
  for (std::size_t i = 0; i < train->size(); ++i) ++per_class[train->label(i)];
  for (int k = 0; k < 10; ++k) EXPECT_EQ(per_class[k], 6000) << "class " << k;  // balanced

  const auto test = open_idx(kFashionDir, Split::Test, fashion_mnist_class_names());
  EXPECT_EQ(test->size(), 10000u);
  EXPECT_EQ(test->num_classes(), 10);
  EXPECT_EQ(test->class_names()[9], "Ankle boot");
}

TEST(Idx, TruncatedRawPayload) {
  TempDir dir;
  std::vector<uint8_t> bytes = header(0x803, {60000, 28, 28});
  bytes.resize(bytes.size() + 1234, 0);
  write_bytes(dir.file("train-images-idx3-ubyte"), bytes);
  expect_data_error([&] { read_idx_images(dir.file("train-images-idx3-ubyte")); },
                    dir.file("train-images-idx3-ubyte"),
                    "truncated: header says 60000 images of 28x28, file holds 1234 bytes of pixels");
}

TEST(Idx, TruncatedGzipPayloadAllocatesOnlyWhatArrives) {
  TempDir dir;
  // Claims 1e6 images (784 MB); holds 10 bytes. Must fail fast without allocating the claim.
  std::vector<uint8_t> bytes = header(0x803, {1000000, 28, 28});
  bytes.resize(bytes.size() + 10, 1);
  write_gz(dir.file("big.gz"), bytes);
  expect_data_error([&] { read_idx_images(dir.file("big.gz")); }, dir.file("big.gz"),
                    "file holds 10 bytes of pixels (decompressed)");
}

TEST(Idx, TruncatedGzipStream) {
  TempDir dir;
  write_idx_images(dir.file("ok.gz"), sample_images(), true);
  std::vector<uint8_t> bytes = read_bytes(dir.file("ok.gz"));
  for (std::size_t keep : {std::size_t{2}, std::size_t{10}, bytes.size() / 2, bytes.size() - 4}) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep));
    write_bytes(dir.file("cut.gz"), cut);
    expect_data_error([&] { read_idx_images(dir.file("cut.gz")); }, dir.file("cut.gz"), "");
  }
}

TEST(Idx, WrongMagic) {
  TempDir dir;
  write_idx_labels(dir.file("labels"), std::vector<uint8_t>{1, 2}, false);
  expect_data_error([&] { read_idx_images(dir.file("labels")); }, dir.file("labels"),
                    "not an IDX images file: magic 0x00000801, expected 0x00000803");
  write_idx_images(dir.file("images"), sample_images(), false);
  expect_data_error([&] { read_idx_labels(dir.file("images")); }, dir.file("images"),
                    "magic 0x00000803");
  write_bytes(dir.file("text"), {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  expect_data_error([&] { read_idx_images(dir.file("text")); }, dir.file("text"), "magic");
}

TEST(Idx, HeaderLargerThanFile) {
  TempDir dir;
  // 4 billion images of 16384x16384 would overflow 32 bits many times over.
  write_bytes(dir.file("huge"), header(0x803, {0xffffffff, 16384, 16384}));
  expect_data_error([&] { read_idx_images(dir.file("huge")); }, dir.file("huge"), "limit");
  write_gz(dir.file("huge.gz"), header(0x803, {0xffffffff, 16384, 16384}));
  expect_data_error([&] { read_idx_images(dir.file("huge.gz")); }, dir.file("huge.gz"), "limit");
  write_bytes(dir.file("labels"), header(0x801, {1000}));
  expect_data_error([&] { read_idx_labels(dir.file("labels")); }, dir.file("labels"),
                    "header says 1000 labels, file holds 0 bytes of labels");
  // Sides out of range.
  write_bytes(dir.file("wide"), header(0x803, {1, 1, 20000}));
  expect_data_error([&] { read_idx_images(dir.file("wide")); }, dir.file("wide"), "sides");
  write_bytes(dir.file("zero"), header(0x803, {1, 0, 5}));
  expect_data_error([&] { read_idx_images(dir.file("zero")); }, dir.file("zero"), "sides");
}

TEST(Idx, ShortHeaders) {
  TempDir dir;
  write_bytes(dir.file("empty"), {});
  expect_data_error([&] { read_idx_images(dir.file("empty")); }, dir.file("empty"), "truncated");
  std::vector<uint8_t> h = header(0x803, {5, 3, 4});
  h.resize(9);
  write_bytes(dir.file("half"), h);
  expect_data_error([&] { read_idx_images(dir.file("half")); }, dir.file("half"),
                    "truncated: the IDX header needs 16 bytes, the file holds 9");
  write_gz(dir.file("empty.gz"), {});
  expect_data_error([&] { read_idx_labels(dir.file("empty.gz")); }, dir.file("empty.gz"),
                    "truncated");
}

TEST(Idx, TrailingData) {
  TempDir dir;
  std::vector<uint8_t> bytes = header(0x801, {3});
  bytes.insert(bytes.end(), {1, 2, 3, 4, 5});
  write_bytes(dir.file("labels"), bytes);
  expect_data_error([&] { read_idx_labels(dir.file("labels")); }, dir.file("labels"),
                    "2 bytes of trailing data after 3 labels");
  write_gz(dir.file("labels.gz"), bytes);
  expect_data_error([&] { read_idx_labels(dir.file("labels.gz")); }, dir.file("labels.gz"),
                    "trailing data after 3 labels");
}

TEST(Idx, MissingFileAndDirectory) {
  TempDir dir;
  expect_data_error([&] { read_idx_images(dir.file("nope")); }, dir.file("nope"), "cannot open");
  expect_data_error([&] { read_idx_images(dir.str()); }, dir.str(), "directory");
  expect_data_error([&] { open_idx(dir.str(), Split::Train); },
                    dir.file("train-images-idx3-ubyte"), "not found");
}

TEST(Idx, OpenIdxChecksCountsAndLabels) {
  TempDir dir;
  const IdxImages im = sample_images();  // 5 images
  write_idx_images(dir.file("t10k-images-idx3-ubyte.gz"), im, true);
  write_idx_labels(dir.file("t10k-labels-idx1-ubyte"), std::vector<uint8_t>{0, 1, 2, 3}, false);
  expect_data_error([&] { open_idx(dir.str(), Split::Test); },
                    dir.file("t10k-labels-idx1-ubyte"), "holds 4 labels but");

  write_idx_labels(dir.file("t10k-labels-idx1-ubyte"), std::vector<uint8_t>{0, 1, 2, 3, 200},
                   false);
  const auto ds = open_idx(dir.str(), Split::Test);
  EXPECT_EQ(ds->size(), 5u);
  EXPECT_EQ(ds->num_classes(), 201);  // max label + 1
  EXPECT_EQ(ds->label(4), 200);
  const Image img = ds->image(2);
  EXPECT_EQ(img.width, 4);
  EXPECT_EQ(img.height, 3);
  EXPECT_EQ(img.pixels, std::vector<uint8_t>(im.pixels.begin() + 24, im.pixels.begin() + 36));
  EXPECT_NE(ds->item_name(2).find("t10k-images-idx3-ubyte.gz[2]"), std::string::npos);
  // Class names must cover every label.
  expect_data_error([&] { open_idx(dir.str(), Split::Test, {"a", "b"}); },
                    dir.file("t10k-images-idx3-ubyte.gz"), "label 200 but only 2 class names");
}

}  // namespace
}  // namespace alexnet::data
