// `alexnet_vk prepare` as a user runs it: prepare a generated folder, then train, eval on the
// packed data (the checkpoint carrying the statistics prepare stored); a prepare killed with SIGKILL
// leaves nothing that reads as valid and the next run resumes; bad input is a one-line error.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/data/image.h"
#include "tests/cli/run_tool.h"
#include "tests/support/temp_dir.h"

namespace alexnet {
namespace {

namespace fs = std::filesystem;
using testing::run_tool;
using testing::slurp;

// The tests build command lines from paths: a TempDir whose `/` gives strings.
struct Folder : alexnet::testing::TempDir {
  std::string operator/(const std::string& name) const { return (path() / name).string(); }
};

using alexnet::testing::write_bytes;

data::Image picture(int w, int h, int seed) {
  data::Image im{w, h, 3, std::vector<uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (std::size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<uint8_t>((i * 7 + seed * 53) % 256);
  return im;
}

// root/train/<3 classes>/ 5 images each, root/val/<3 classes>/ 2 each; JPEGs and PNGs.
void make_folder(const fs::path& root) {
  int seed = 0;
  for (const char* c : {"ant", "bee", "cat"}) {
    for (int i = 0; i < 5; ++i)
      write_bytes(root / "train" / c / (std::to_string(i) + (i % 2 ? ".png" : ".jpg")),
                  i % 2 ? data::encode_png(picture(40, 34, seed++)) : data::encode_jpeg(picture(48, 36, seed++), 90));
    for (int i = 0; i < 2; ++i)
      write_bytes(root / "val" / c / (std::to_string(i) + ".jpg"), data::encode_jpeg(picture(44, 40, seed++), 90));
  }
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

void expect_one_line_error(const testing::ToolResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("alexnet_vk: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

// The JSON header of a checkpoint: magic (8), version (4), length (8), then the header.
nlohmann::json checkpoint_header(const std::string& path) {
  const std::string bytes = slurp(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data() + 12, sizeof n);
  return nlohmann::json::parse(bytes.substr(20, n));
}

TEST(PrepareCli, PrepareThenTrainAndEvalOnThePackedData) {
  Folder tmp;
  make_folder(tmp / "src");
  const auto p = run_tool("prepare --data " + tmp / "src" + " --out " + tmp / "packed" + " --size 32");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("prepared 21 of 21 images"), std::string::npos) << p.out;
  // --train-limit 8: were the statistics recomputed, they would be over 8 images, not prepare's 15.
  const auto t = run_tool("train --data " + tmp / "packed" + " --arch alexnet-small --max-steps 2 --batch 4 --epochs 1"
                          " --train-limit 8 --out " + tmp / "run");
  ASSERT_EQ(t.exit_code, 0) << t.err << t.out;
  const nlohmann::json ckpt = checkpoint_header(tmp / "run/last.ckpt");
  const nlohmann::json index = nlohmann::json::parse(slurp(tmp / "packed/index.json"));
  EXPECT_EQ(ckpt["normalization"]["mean"], index["normalization"]["mean"]);
  EXPECT_EQ(ckpt["normalization"]["eigval"], index["normalization"]["eigval"]);
  EXPECT_EQ(ckpt["train"].value("data_kind", ""), "packed");
  const auto e = run_tool("eval --checkpoint " + tmp / "run/last.ckpt" + " --data " + tmp / "packed" + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(nlohmann::json::parse(e.out)["images"], 6);
  // bench --data: the training step fed by the loader, its rates and the bytes it uploads.
  const auto b = run_tool("bench --data " + tmp / "packed" + " --arch alexnet-small --batch 4 --iters 3 --json");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const nlohmann::json bench = nlohmann::json::parse(b.out);
  EXPECT_EQ(bench["kind"], "packed");
  for (const char* rate : {"loader_images_per_second", "device_images_per_second", "step_images_per_second"})
    EXPECT_GT(bench[rate].get<double>(), 0) << rate;
  EXPECT_GE(bench["device_wait_ms_per_step"].get<double>(), 0);
  EXPECT_LE(bench["device_wait_ms_per_step"].get<double>(), bench["load_ms_per_step"].get<double>());
  EXPECT_DOUBLE_EQ(bench["upload_mib_per_step"].get<double>(), 4.0 * 3 * 28 * 28 / (1 << 20));  // uint8 RGB
  // Without --data, eval reads the data the checkpoint was trained on (recorded absolute).
  const auto own = run_tool("eval --checkpoint " + tmp / "run/last.ckpt" + " --json");
  ASSERT_EQ(own.exit_code, 0) << own.err;
  EXPECT_EQ(nlohmann::json::parse(own.out)["images"], 6);
  const auto v = run_tool("prepare --verify " + tmp / "packed");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("21 images, every checksum matches"), std::string::npos) << v.out;
  // Moved away, the recorded data is named in a one-line error, not replaced by the default data.
  std::filesystem::rename(tmp / "packed", tmp / "moved");
  const auto gone = run_tool("eval --checkpoint " + tmp / "run/last.ckpt");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("which is not here; give --data DIR"), std::string::npos) << gone.err;
}

TEST(PrepareCli, KilledPrepareLeavesNothingValidAndResumes) {
  Folder tmp;
  make_folder(tmp / "src");
  const std::string args = "prepare --data " + tmp / "src" + " --out " + tmp / "packed" +
                           " --size 16 --shard-images 4 --threads 1";
  for (const char* point : {"prepare:train-00001.pack:written", "prepare:train-00002.pack:renamed"}) {
    SCOPED_TRACE(point);
    const auto killed = run_tool(args, std::string("ALEXNET_VK_TEST_KILL_AT=") + point);
    EXPECT_EQ(killed.exit_code, 128 + 9) << killed.err;  // SIGKILL
    expect_one_line_error(run_tool("prepare --verify " + tmp / "packed"), "no index.json");
    expect_one_line_error(run_tool("train --data " + tmp / "packed" + " --arch alexnet-small --max-steps 1"),
                          "prepare was interrupted");
  }
  const auto resumed = run_tool(args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("3 kept from an earlier run"), std::string::npos) << resumed.out;
  EXPECT_EQ(run_tool("prepare --verify " + tmp / "packed").exit_code, 0);
  for (const auto& f : fs::directory_iterator(tmp / "packed"))
    EXPECT_EQ(f.path().filename().string().find(".tmp."), std::string::npos) << f.path();
}

TEST(PrepareCli, BadInputIsOneLine) {
  Folder tmp;
  fs::create_directories(tmp / "empty");
  expect_one_line_error(run_tool("prepare --data " + tmp / "empty" + " --out " + tmp / "o"), "no class subdirectories");
  expect_one_line_error(run_tool("prepare --out " + tmp / "o"), "prepare needs --data DIR and --out DIR");
  make_folder(tmp / "src");
  fs::create_directories(tmp / "src/train/dog");
  expect_one_line_error(run_tool("prepare --data " + tmp / "src" + " --out " + tmp / "o"),
                        "dog: class folder holds no image files");
  fs::remove_all(tmp / "src/train/dog");
  ASSERT_EQ(run_tool("prepare --data " + tmp / "src" + " --out " + tmp / "p --size 16").exit_code, 0);
  std::string shard = slurp(tmp / "p/train-00000.pack");
  shard[shard.size() - 10] ^= 1;  // a record's pixels: found by --verify, skipped by the loader
  std::ofstream(tmp / "p/train-00000.pack", std::ios::binary) << shard;
  expect_one_line_error(run_tool("prepare --verify " + tmp / "p"), "checksum mismatch");
  shard.resize(shard.size() - 1);
  std::ofstream(tmp / "p/train-00000.pack", std::ios::binary) << shard;
  expect_one_line_error(run_tool("train --data " + tmp / "p" + " --arch alexnet-small --max-steps 1"),
                        "train-00000.pack: is");
}

}  // namespace
}  // namespace alexnet
