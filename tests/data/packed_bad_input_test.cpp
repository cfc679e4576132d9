// Bad packed data and bad sources: each a one-line DataError naming the file and the problem,
// never a crash or a silently wrong data set.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "model/data/packed_dataset.h"
#include "model/data/prepare.h"
#include "tests/data/packed_fixture.h"

namespace alexnet::data {
namespace {

using namespace testing;

class PackedBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    make_image_tree(tmp_ / "src");
    prepare_packed(small_prepare(tmp_ / "src", tmp_ / "p"));
  }
  std::string dir() const { return (tmp_ / "p").string(); }
  fs::path file(const std::string& name) const { return tmp_ / "p" / name; }
  void edit_index(const std::function<void(nlohmann::json&)>& f) {
    auto j = nlohmann::json::parse(read_bytes(file("index.json")));
    f(j);
    const std::string text = j.dump();
    write_bytes(file("index.json"), std::vector<uint8_t>(text.begin(), text.end()));
  }
  void open_train() const { open_packed(dir(), PackedSplit::Train); }
  TempDir tmp_;
};

TEST_F(PackedBadInput, TruncatedShard) {
  auto bytes = read_bytes(file("train-00001.pack"));
  bytes.resize(bytes.size() - 100);
  write_bytes(file("train-00001.pack"), bytes);
  expect_data_error([&] { open_train(); }, "train-00001.pack: is " + std::to_string(bytes.size()) + " bytes");
  expect_data_error([&] { open_train(); }, "(truncated)");
  // Cut inside the header too.
  bytes.resize(50);
  write_bytes(file("train-00001.pack"), bytes);
  expect_data_error([&] { open_train(); }, "train-00001.pack");
}

TEST_F(PackedBadInput, PixelChecksumMismatchIsACorruptExample) {
  auto bytes = read_bytes(file("train-00000.pack"));
  bytes[bytes.size() - 5] ^= 0x40;  // a pixel of the shard's last record, number 3
  write_bytes(file("train-00000.pack"), bytes);
  const auto set = open_packed(dir(), PackedSplit::Train);  // opening checks metadata only
  EXPECT_NO_THROW(set->image(0));
  expect_data_error([&] { set->image(3); }, "train-00000.pack[3]");
  expect_data_error([&] { set->image(3); }, "checksum mismatch");
  expect_data_error([&] { set->pixels_in_place(3); }, "checksum mismatch");
  // The loader's skip policy substitutes the next example and counts it.
  EXPECT_EQ(set->fetch_or_next_valid(3, 0).index, 4u);
  EXPECT_EQ(set->skipped_count(), 1u);
  expect_data_error([&] { verify_packed(dir()); }, "checksum mismatch");
}

TEST_F(PackedBadInput, CorruptHeaderOrMetadata) {
  auto bytes = read_bytes(file("train-00002.pack"));
  auto header = bytes;
  header[20] ^= 1;  // the width
  write_bytes(file("train-00002.pack"), header);
  expect_data_error([&] { open_train(); }, "train-00002.pack: shard header: checksum mismatch");
  auto magic = bytes;
  magic[0] = 'X';
  write_bytes(file("train-00002.pack"), magic);
  expect_data_error([&] { open_train(); }, "not a packed shard");
  auto meta = bytes;
  meta[130] ^= 1;  // a label
  write_bytes(file("train-00002.pack"), meta);
  expect_data_error([&] { open_train(); }, "train-00002.pack: shard metadata: checksum mismatch");
  fs::remove(file("train-00002.pack"));
  expect_data_error([&] { open_train(); }, "train-00002.pack: cannot open");
}

TEST_F(PackedBadInput, IndexThatDisagreesWithTheShards) {
  const auto original = read_bytes(file("index.json"));
  edit_index([](nlohmann::json& j) { j["splits"]["train"]["shards"][1]["meta_hash"] = "0123456789abcdef"; });
  expect_data_error([&] { open_train(); }, "train-00001.pack: checksum mismatch: the metadata hash differs");
  write_bytes(file("index.json"), original);
  edit_index([](nlohmann::json& j) {  // counts moved between shards: totals still add up
    j["splits"]["train"]["shards"][0]["count"] = 3;
    j["splits"]["train"]["shards"][1]["count"] = 5;
  });
  expect_data_error([&] { open_train(); },
                    "train-00000.pack: disagrees with index.json: header says train shard 0 of 4 images, the index "
                    "train shard 0 of 3");
  write_bytes(file("index.json"), original);
  edit_index([](nlohmann::json& j) { j["splits"]["train"]["count"] = 99; });
  expect_data_error([&] { open_train(); }, "index.json: field \"splits.train.count\": is 99 but the shards hold 15");
  write_bytes(file("index.json"), original);
  edit_index([](nlohmann::json& j) { j["splits"]["train"]["shards"][0]["file"] = "../../etc/passwd"; });
  expect_data_error([&] { open_train(); }, "must be a plain file name inside the folder");
  write_bytes(file("index.json"), original);
  edit_index([](nlohmann::json& j) { j["classes"] = {"only_one"}; });  // labels 1 and 2 now out of range
  expect_data_error([&] { open_train(); }, "has label 1, outside the 1 classes");
  write_bytes(file("index.json"), original);
  edit_index([](nlohmann::json& j) { j["recipe"]["size"] = 32; });
  expect_data_error([&] { open_train(); }, "field \"recipe.hash\": does not match the recipe");
  write_bytes(file("index.json"), {'{', '"', 'x'});
  expect_data_error([&] { open_train(); }, "index.json: not valid JSON");
  write_bytes(file("index.json"), {'[', ']'});
  expect_data_error([&] { open_train(); }, "not an index of packed images");
}

TEST_F(PackedBadInput, CorruptMeanImage) {
  auto bytes = read_bytes(file("train-mean.f32"));
  bytes[7] ^= 1;
  write_bytes(file("train-mean.f32"), bytes);
  const auto set = open_packed(dir(), PackedSplit::Train);
  expect_data_error([&] { set->mean_image(); }, "train-mean.f32: checksum mismatch");
  bytes.pop_back();
  write_bytes(file("train-mean.f32"), bytes);
  expect_data_error([&] { set->mean_image(); }, "train-mean.f32: is 3071 bytes");
}

TEST(PrepareBadSources, EmptyFoldersAndClasses) {
  TempDir tmp;
  fs::create_directories(tmp / "none");
  expect_data_error([&] { prepare_packed(small_prepare(tmp / "none", tmp / "o1")); }, "none: no class subdirectories");
  expect_data_error([&] { prepare_packed(small_prepare(tmp / "missing", tmp / "o2")); }, "missing: not a folder");
  make_image_tree(tmp / "src");
  fs::create_directories(tmp / "src" / "train" / "d_empty");
  write_bytes(tmp / "src" / "train" / "d_empty" / "readme.txt", {'x'});
  expect_data_error([&] { prepare_packed(small_prepare(tmp / "src", tmp / "o3")); },
                    "d_empty: class folder holds no image files");
  fs::remove_all(tmp / "src" / "train" / "d_empty");
  fs::create_directories(tmp / "src" / "val" / "e_extra");
  write_bytes(tmp / "src" / "val" / "e_extra" / "1.png", encode_png(textured(4, 4, 3, 1)));
  expect_data_error([&] { prepare_packed(small_prepare(tmp / "src", tmp / "o4")); },
                    "classes differ from train/: 'e_extra' is not in train/");
  // Nothing of a failed run reads as a data set.
  for (const char* o : {"o1", "o2", "o3", "o4"}) EXPECT_FALSE(is_packed((tmp / o).string())) << o;
}

TEST(PrepareBadSources, NothingDecodes) {
  TempDir tmp;
  write_bytes(tmp / "src" / "a" / "1.jpg", {0xff, 0xd8, 0xff, 0xe0, 0, 1});
  write_bytes(tmp / "src" / "a" / "2.png", {0x89, 'P', 'N', 'G'});
  expect_data_error([&] { prepare_packed(small_prepare(tmp / "src", tmp / "out")); }, "none of its 2 images decodes");
  EXPECT_FALSE(is_packed((tmp / "out").string()));
}

TEST(PrepareBadSources, RefusesAnOutputItMustNotWriteInto) {
  TempDir tmp;
  make_image_tree(tmp / "src");
  write_bytes(tmp / "busy" / "thesis.tex", {'x'});
  write_bytes(tmp / "busy" / "index.json", {'{', '}'});
  expect_data_error([&] { prepare_packed(small_prepare(tmp / "src", tmp / "busy")); },
                    "holds 'thesis.tex', which prepare did not write");
  EXPECT_TRUE(fs::exists(tmp / "busy" / "index.json"));  // untouched
  expect_data_error([&] { prepare_packed(small_prepare(tmp / "src", tmp / "src" / "packed")); },
                    "is inside the source folder");
  EXPECT_THROW(
      {
        auto o = small_prepare(tmp / "src", tmp / "x");
        o.size = 0;
        prepare_packed(o);
      },
      std::invalid_argument);
}

}  // namespace
}  // namespace alexnet::data
