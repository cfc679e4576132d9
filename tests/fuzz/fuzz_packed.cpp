// The packed-data reader (model/data/packed_dataset.h) on a packed folder built from the input:
// index.json, one training shard and the mean image, then what the loader does with it: labels,
// every record's pixels, both crop writers, the stored statistics.
//
// Input: mode u8, then three parts, each u32 little-endian length + bytes (a part cut short takes
// what is left): index.json, train-00000.pack, train-mean.f32.
//   mode even: the files as given. Nearly every mutation then fails a checksum, which is what a
//              corrupt file must do, but leaves the parsers behind the checksums unexplored.
//   mode odd:  the checksums are recomputed first (each record's hash inside the metadata, the
//              metadata hash and the header hash in the shard, the shard's metadata hash, size and
//              the mean image's hash in the index, when those fields are where the format puts
//              them), so mutations reach the structural checks.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/data/augment.h"
#include "model/data/packed_dataset.h"
#include "model/data/packed_format.h"
#include "tests/fuzz/fuzz_common.h"

namespace fs = std::filesystem;
using namespace alexnet::data;
using Bytes = std::vector<uint8_t>;

namespace {

// Shard header offsets, as packed_format.cpp writes them.
constexpr std::size_t kCount = 32, kMetaOffset = 56, kMetaBytes = 64, kPixelsOffset = 72, kMetaHash = 96,
                      kHeaderHash = 120, kWidth = 20;

template <class T>
T load(const Bytes& b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}
template <class T>
void store(Bytes& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

Bytes part(const uint8_t*& p, const uint8_t* end) {
  uint32_t n = 0;
  if (end - p >= 4) std::memcpy(&n, p, 4), p += 4;
  else p = end;
  const std::size_t take = std::min<std::size_t>(n, static_cast<std::size_t>(end - p));
  Bytes out(p, p + take);
  p += take;
  return out;
}

void fix_shard(Bytes& shard) {
  if (shard.size() < kShardHeaderBytes) return;
  const uint64_t count = load<uint64_t>(shard, kCount), meta_offset = load<uint64_t>(shard, kMetaOffset),
                 meta_bytes = load<uint64_t>(shard, kMetaBytes), pixels = load<uint64_t>(shard, kPixelsOffset);
  const uint64_t record = uint64_t{load<uint32_t>(shard, kWidth)} * load<uint32_t>(shard, kWidth + 4) *
                          load<uint32_t>(shard, kWidth + 8);
  const bool meta_fits = meta_offset <= shard.size() && meta_bytes <= shard.size() - meta_offset;
  if (meta_fits && count <= kMaxShardRecords && count * 12 <= meta_bytes && record > 0 && record < (1u << 26)) {
    for (uint64_t r = 0; r < count; ++r) {
      const uint64_t at = pixels + r * record;
      if (at > shard.size() || record > shard.size() - at) break;
      store(shard, meta_offset + count * 4 + r * 8, packed_hash(shard.data() + at, record));
    }
  }
  if (meta_fits) store(shard, kMetaHash, packed_hash(shard.data() + meta_offset, meta_bytes));
  store(shard, kHeaderHash, packed_hash(shard.data(), kHeaderHash));
}

// j[key] when j is an object holding key, else nullptr (operator[] would throw on other types).
nlohmann::json* child(nlohmann::json* j, const char* key) {
  return j && j->is_object() && j->contains(key) ? &(*j)[key] : nullptr;
}

void fix_index(Bytes& index, const Bytes& shard, const Bytes& mean) {
  nlohmann::json j = nlohmann::json::parse(index.begin(), index.end(), nullptr, false);
  if (!j.is_object()) return;
  nlohmann::json* shards = child(child(child(&j, "splits"), "train"), "shards");
  if (shards && shards->is_array() && !shards->empty() && (*shards)[0].is_object() &&
      shard.size() >= kShardHeaderBytes) {
    (*shards)[0]["meta_hash"] = hash_hex(load<uint64_t>(shard, kMetaHash));
    (*shards)[0]["bytes"] = shard.size();
  }
  if (nlohmann::json* m = child(child(&j, "normalization"), "mean_image"))
    (*m)["hash"] = hash_hex(packed_hash(mean.data(), mean.size()));
  const std::string text = j.dump();
  index.assign(text.begin(), text.end());
}

void exercise(const PackedDataset& set) {
  if (set.size() == 0) fuzz::finding("an opened packed data set is empty");
  if (set.class_names().size() != static_cast<std::size_t>(set.num_classes())) fuzz::finding("class count");
  const int side = set.image_size();
  AugmentConfig cfg;
  cfg.resize_short = 12;
  cfg.center = 12;
  cfg.crop = 10;
  Normalization norm;
  norm.mean.assign(3, 100.0f);
  std::vector<float> f(3 * 10 * 10);
  std::vector<uint8_t> u(f.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(set.size(), 8); ++i) {
    if (set.label(i) < 0 || set.label(i) >= set.num_classes()) fuzz::finding("label out of range");
    set.item_name(i);
    const Dataset::Example ex = set.fetch_or_next_valid(i, 0);  // a bad record is a corrupt example
    const ImageView v = ex.pixels();
    if (v.width != side || v.height != side || v.channels != set.channels()) fuzz::finding("record shape");
    augment(v, cfg, norm, View::Train, i, f.data());
    augment_u8(v, cfg, norm, View::Train, i, u.data());
  }
  if (auto n = set.normalization(); n && n->mean.size() != static_cast<std::size_t>(set.channels()))
    fuzz::finding("normalization has the wrong channel count");
  fuzz::expect_documented_errors({set.dir()}, [&] { set.mean_image(); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool fix = data[0] & 1;
  const uint8_t* p = data + 1;
  const uint8_t* end = data + size;
  Bytes index = part(p, end), shard = part(p, end), mean = part(p, end);
  if (fix) {
    fix_shard(shard);
    fix_index(index, shard, mean);
  }
  const fs::path dir = fuzz::scratch_dir() / "packed";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  fuzz::write_scratch("packed/index.json", index.data(), index.size());
  fuzz::write_scratch("packed/train-00000.pack", shard.data(), shard.size());
  fuzz::write_scratch("packed/train-mean.f32", mean.data(), mean.size());
  // Every error names a file in the folder (or the folder); a corrupt record inside is skipped by
  // fetch_or_next_valid, and one that leaves nothing valid is its DataError.
  fuzz::expect_documented_errors({dir.string()}, [&] {
    const PackedDataset set(dir.string(), PackedSplit::Train);
    exercise(set);
  });
  fuzz::expect_documented_errors({dir.string()}, [&] { verify_packed(dir.string()); });
  return 0;
}
