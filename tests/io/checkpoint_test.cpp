// Checkpoint files: round trip, and every kind of damage gives a one-line CheckpointError.
#include <gtest/gtest.h>

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/io/checkpoint.h"

namespace alexnet {
namespace {

namespace fs = std::filesystem;

class CheckpointFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("ckpt_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "last.ckpt").string();
    sample_.header["arch"] = {{"name", "alexnet-small"}};
    sample_.header["train"] = {{"step", 42}};
    sample_.tensors["conv1.weight"] = {{2, 3}, {1, 2, 3, 4, 5, 6}};
    sample_.tensors["conv1.bias"] = {{2}, {-1.5f, 0.25f}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<char> bytes() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  void write(const std::vector<char>& b) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
  }
  std::string load_error() const {
    try {
      load_checkpoint(path_);
    } catch (const CheckpointError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
  std::string path_;
  Checkpoint sample_;
};

TEST_F(CheckpointFile, RoundTrips) {
  save_checkpoint(path_, sample_);
  const auto loaded = load_checkpoint(path_);
  EXPECT_EQ(loaded.header["train"]["step"], 42);
  EXPECT_EQ(loaded.tensors.at("conv1.weight").data, sample_.tensors["conv1.weight"].data);
  EXPECT_EQ(loaded.tensors.at("conv1.weight").shape, (std::vector<int>{2, 3}));
  EXPECT_EQ(loaded.tensors.at("conv1.bias").data, sample_.tensors["conv1.bias"].data);
  EXPECT_FALSE(fs::exists(dir_ / ".last.ckpt.tmp"));
}

TEST_F(CheckpointFile, MissingFileNamesThePath) {
  const auto e = load_error();
  EXPECT_NE(e.find(path_), std::string::npos) << e;
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;
}

TEST_F(CheckpointFile, EveryTruncationIsDetected) {
  save_checkpoint(path_, sample_);
  const auto good = bytes();
  for (std::size_t size : {std::size_t{0}, std::size_t{5}, std::size_t{20}, good.size() / 2, good.size() - 1}) {
    write(std::vector<char>(good.begin(), good.begin() + static_cast<long>(size)));
    const auto e = load_error();
    EXPECT_NE(e.find(path_), std::string::npos) << "size " << size << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST_F(CheckpointFile, EveryFlippedByteIsDetected) {
  save_checkpoint(path_, sample_);
  const auto good = bytes();
  for (std::size_t i = 0; i < good.size(); ++i) {
    auto bad = good;
    bad[i] ^= 0x10;
    write(bad);
    EXPECT_FALSE(load_error().empty()) << "flipping byte " << i << " went unnoticed";
  }
}

TEST_F(CheckpointFile, WrongMagicAndVersion) {
  write(std::vector<char>(64, 'x'));
  EXPECT_NE(load_error().find("bad magic"), std::string::npos);
  save_checkpoint(path_, sample_);
  auto b = bytes();
  b[8] = 99;  // version
  write(b);
  EXPECT_NE(load_error().find("version 99"), std::string::npos) << load_error();
}

TEST_F(CheckpointFile, FailedSaveLeavesTheOldFileIntact) {
  save_checkpoint(path_, sample_);
  const auto good = bytes();
  // Writing into a folder that does not exist fails before anything is replaced.
  EXPECT_THROW(save_checkpoint((dir_ / "missing" / "x.ckpt").string(), sample_), CheckpointError);
  EXPECT_EQ(bytes(), good);
  EXPECT_NO_THROW(load_checkpoint(path_));
}

// A file as this build writes it, relabelled with another format version (checksum fixed up).
std::vector<char> with_version(std::vector<char> b, std::uint32_t version) {
  std::memcpy(b.data() + 8, &version, 4);
  const auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size() - 4)));
  std::memcpy(b.data() + b.size() - 4, &crc, 4);
  return b;
}

TEST_F(CheckpointFile, ReadsVersionOneAndRejectsNewerVersionsClearly) {
  save_checkpoint(path_, sample_);
  EXPECT_EQ(load_checkpoint(path_).version, kCheckpointVersion);
  const auto good = bytes();
  write(with_version(good, 1));
  const auto old = load_checkpoint(path_);
  EXPECT_EQ(old.version, 1u);
  EXPECT_EQ(old.tensors.at("conv1.bias").data, sample_.tensors["conv1.bias"].data);
  write(with_version(good, kCheckpointVersion + 1));
  const auto e = load_error();
  EXPECT_NE(e.find("checkpoint format version " + std::to_string(kCheckpointVersion + 1) + " is not supported"),
            std::string::npos) << e;
  EXPECT_NE(e.find("reads 1 to " + std::to_string(kCheckpointVersion)), std::string::npos) << e;
}

TEST_F(CheckpointFile, HeaderAloneReadsWithoutTheTensors) {
  save_checkpoint(path_, sample_);
  const auto header = read_checkpoint_header(path_);
  EXPECT_EQ(header["train"]["step"], 42);
  EXPECT_FALSE(header.contains("tensors"));
  write(std::vector<char>(64, 'x'));
  EXPECT_THROW(read_checkpoint_header(path_), CheckpointError);
}

}  // namespace
}  // namespace alexnet
