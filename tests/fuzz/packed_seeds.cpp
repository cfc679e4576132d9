#include "tests/fuzz/packed_seeds.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "model/data/image.h"
#include "model/data/prepare.h"

namespace fuzz {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

Bytes read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

void write_all(const fs::path& p, const Bytes& b) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

alexnet::data::Image picture(int w, int h, int c, int seed) {
  alexnet::data::Image im{w, h, c, Bytes(static_cast<std::size_t>(w) * h * c)};
  for (std::size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<uint8_t>(i * 13 + seed * 71);
  return im;
}

// mode, then each part as u32 length + bytes.
Bytes input(uint8_t mode, const std::vector<Bytes>& parts) {
  Bytes out{mode};
  for (const Bytes& p : parts) {
    const uint32_t n = static_cast<uint32_t>(p.size());
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<uint8_t>(n >> (8 * k)));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Bytes>> packed_seeds() {
  std::string tmpl = (fs::temp_directory_path() / "alexnet_packed_seeds_XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  const fs::path root = tmpl;
  using alexnet::data::encode_jpeg;
  using alexnet::data::encode_png;
  write_all(root / "src" / "a" / "1.jpg", encode_jpeg(picture(12, 9, 3, 1), 90));
  write_all(root / "src" / "a" / "2.png", encode_png(picture(7, 10, 1, 2)));
  write_all(root / "src" / "a" / "3.jpg", {0xff, 0xd8, 0xff});  // skipped: listed in the metadata
  write_all(root / "src" / "b" / "1.jpg", encode_jpeg(picture(9, 9, 1, 3), 90));
  alexnet::data::PrepareOptions o;
  o.source = (root / "src").string();
  o.out = (root / "out").string();
  o.size = 6;
  o.threads = 1;
  o.shard_images = 16;  // one shard
  alexnet::data::prepare_packed(o);
  const Bytes index = read_all(root / "out" / "index.json"), shard = read_all(root / "out" / "train-00000.pack"),
              mean = read_all(root / "out" / "train-mean.f32");
  std::vector<std::pair<std::string, Bytes>> seeds = {{"valid", input(0, {index, shard, mean})},
                                                      {"valid-fixed", input(1, {index, shard, mean})}};
  Bytes flipped = shard;
  flipped.back() ^= 1;  // a record that fails its hash: a corrupt example
  seeds.push_back({"corrupt-record", input(0, {index, flipped, mean})});
  seeds.push_back({"corrupt-record-fixed", input(1, {index, flipped, mean})});
  std::error_code ec;
  fs::remove_all(root, ec);
  return seeds;
}

}  // namespace fuzz
