// Shard headers and metadata: encoding, and decoding that trusts nothing. See packed_format.h.
#include "model/data/packed_format.h"

#include <xxhash.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "model/data/error.h"

namespace alexnet::data {

static_assert(std::endian::native == std::endian::little,
              "the packed format is little-endian and read by memcpy");

namespace {

// Header field offsets (see packed_format.h).
constexpr std::size_t kHashedHeaderBytes = 120;  // the header hash covers bytes [0, 120)

// resize + memcpy rather than insert: GCC 12 warns (wrongly) about insert's growth path here.
void put(std::vector<uint8_t>& out, const void* p, std::size_t n) {
  if (n == 0) return;
  const std::size_t at = out.size();
  out.resize(at + n);
  std::memcpy(out.data() + at, p, n);
}
template <class T>
void put(std::vector<uint8_t>& out, T v) {
  put(out, &v, sizeof v);
}
void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put(out, static_cast<uint32_t>(s.size()));
  put(out, s.data(), s.size());
}

// Reads fixed-size values from a bounded span; running off the end is the caller's DataError.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const std::string& file, const char* what)
      : bytes_(bytes), file_(file), what_(what) {}
  template <class T>
  T get() {
    T v;
    need(sizeof v);
    std::memcpy(&v, bytes_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::span<const uint8_t> take(uint64_t n) {
    need(n);
    auto s = bytes_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::string string(std::size_t max) {
    const uint32_t n = get<uint32_t>();
    if (n > max) fail("a string of " + std::to_string(n) + " bytes, over the " + std::to_string(max) + "-byte limit");
    const auto s = take(n);
    return std::string(s.begin(), s.end());
  }
  std::size_t left() const { return bytes_.size() - pos_; }
  [[noreturn]] void fail(const std::string& problem) const {
    throw DataError(file_, std::string(what_) + ": " + problem);
  }

 private:
  void need(uint64_t n) const {
    if (n > left()) fail("truncated (needs " + std::to_string(n) + " more bytes, " + std::to_string(left()) + " left)");
  }
  std::span<const uint8_t> bytes_;
  std::size_t pos_ = 0;
  const std::string& file_;
  const char* what_;
};

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

uint64_t packed_hash(const void* data, std::size_t size) { return XXH3_64bits(data, size); }

std::string hash_hex(uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

bool parse_hash_hex(const std::string& text, uint64_t& hash) {
  if (text.size() != 16) return false;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  hash = v;
  return true;
}

const char* split_name(PackedSplit split) { return split == PackedSplit::Train ? "train" : "val"; }

std::string shard_file_name(PackedSplit split, uint32_t shard) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%05u.pack", split_name(split), shard);
  return buf;
}

std::string mean_image_file_name() { return "train-mean.f32"; }

std::vector<uint8_t> encode_shard_meta(const ShardMeta& meta) {
  const std::size_t n = meta.labels.size();
  if (meta.record_hashes.size() != n || meta.paths.size() != n)
    throw std::invalid_argument("encode_shard_meta: labels, hashes and paths differ in length");
  std::vector<uint8_t> out;
  put(out, meta.labels.data(), n * sizeof(int32_t));
  put(out, meta.record_hashes.data(), n * sizeof(uint64_t));
  uint32_t offset = 0;
  for (const std::string& p : meta.paths) {
    put(out, offset);
    offset += static_cast<uint32_t>(p.size());
  }
  put(out, offset);
  for (const std::string& p : meta.paths) put(out, p.data(), p.size());
  put(out, static_cast<uint32_t>(meta.skipped.size()));
  for (const SkippedSource& s : meta.skipped) {
    put(out, s.slot);
    put_string(out, s.path);
    put_string(out, s.reason);
  }
  return out;
}

std::vector<uint8_t> encode_shard_header(ShardHeader& h, std::span<const uint8_t> meta) {
  h.meta_offset = kShardHeaderBytes;
  h.meta_bytes = meta.size();
  h.pixels_offset = align_up(h.meta_offset + h.meta_bytes, kPixelAlign);
  h.file_bytes = h.pixels_offset + h.count * h.record_bytes();
  h.meta_hash = packed_hash(meta.data(), meta.size());
  std::vector<uint8_t> out;
  put(out, kShardMagic, sizeof kShardMagic);
  put(out, kPackedVersion);
  put(out, static_cast<uint32_t>(h.split));
  for (uint32_t v : {h.shard, h.width, h.height, h.channels}) put(out, v);
  for (uint64_t v : {h.count, h.first_slot, h.slots, h.meta_offset, h.meta_bytes, h.pixels_offset,
                     h.file_bytes, h.plan_hash, h.meta_hash, uint64_t{0}, uint64_t{0}})
    put(out, v);
  if (out.size() != kHashedHeaderBytes) throw std::logic_error("shard header layout");
  put(out, packed_hash(out.data(), out.size()));
  return out;
}

ShardHeader decode_shard_header(std::span<const uint8_t> bytes, const std::string& file) {
  Reader r(bytes, file, "shard header");
  if (bytes.size() < kShardHeaderBytes)
    r.fail("file is " + std::to_string(bytes.size()) + " bytes, shorter than the header");
  const auto magic = r.take(sizeof kShardMagic);
  if (std::memcmp(magic.data(), kShardMagic, sizeof kShardMagic) != 0)
    r.fail("not a packed shard (wrong magic bytes)");
  const uint32_t version = r.get<uint32_t>();
  if (version != kPackedVersion)
    r.fail("format version " + std::to_string(version) + ", this build reads " + std::to_string(kPackedVersion));
  uint64_t stored_hash;
  std::memcpy(&stored_hash, bytes.data() + kHashedHeaderBytes, sizeof stored_hash);
  if (packed_hash(bytes.data(), kHashedHeaderBytes) != stored_hash) r.fail("checksum mismatch (the header is corrupt)");
  ShardHeader h;
  const uint32_t split = r.get<uint32_t>();
  if (split > 1) r.fail("unknown split " + std::to_string(split));
  h.split = static_cast<PackedSplit>(split);
  h.shard = r.get<uint32_t>();
  h.width = r.get<uint32_t>();
  h.height = r.get<uint32_t>();
  h.channels = r.get<uint32_t>();
  h.count = r.get<uint64_t>();
  h.first_slot = r.get<uint64_t>();
  h.slots = r.get<uint64_t>();
  h.meta_offset = r.get<uint64_t>();
  h.meta_bytes = r.get<uint64_t>();
  h.pixels_offset = r.get<uint64_t>();
  h.file_bytes = r.get<uint64_t>();
  h.plan_hash = r.get<uint64_t>();
  h.meta_hash = r.get<uint64_t>();
  if (h.width < 1 || h.width > kMaxPackedSide || h.height < 1 || h.height > kMaxPackedSide ||
      (h.channels != 1 && h.channels != 3))
    r.fail("bad image shape " + std::to_string(h.width) + "x" + std::to_string(h.height) + "x" + std::to_string(h.channels));
  if (h.count > kMaxShardRecords || h.slots < h.count || h.slots > kMaxShardRecords)
    r.fail("bad record count " + std::to_string(h.count) + " of " + std::to_string(h.slots) + " slots");
  // Every size below is bounded (count <= 2^20, record <= 48 MiB, meta checked against the
  // file), so none of these sums can wrap.
  if (h.meta_offset != kShardHeaderBytes || h.meta_bytes > (uint64_t{1} << 40) ||
      h.pixels_offset != align_up(h.meta_offset + h.meta_bytes, kPixelAlign) ||
      h.file_bytes != h.pixels_offset + h.count * h.record_bytes())
    r.fail("offsets and sizes disagree (metadata " + std::to_string(h.meta_bytes) + " bytes, pixels at " +
           std::to_string(h.pixels_offset) + ", file " + std::to_string(h.file_bytes) + " bytes)");
  if (bytes.size() != h.file_bytes)
    r.fail("file is " + std::to_string(bytes.size()) + " bytes, the header says " + std::to_string(h.file_bytes) +
           (bytes.size() < h.file_bytes ? " (truncated)" : ""));
  return h;
}

ShardMeta decode_shard_meta(const ShardHeader& h, std::span<const uint8_t> meta, const std::string& file) {
  Reader r(meta, file, "shard metadata");
  if (meta.size() != h.meta_bytes) r.fail("is " + std::to_string(meta.size()) + " bytes, the header says " + std::to_string(h.meta_bytes));
  if (packed_hash(meta.data(), meta.size()) != h.meta_hash) r.fail("checksum mismatch (labels or paths are corrupt)");
  const std::size_t n = static_cast<std::size_t>(h.count);
  ShardMeta m;
  m.labels.resize(n);
  m.record_hashes.resize(n);
  std::vector<uint32_t> offsets(n + 1);
  // Sizes are bounded by count <= 2^20, so the byte counts below do not wrap.
  const auto labels = r.take(n * sizeof(int32_t));
  if (n) std::memcpy(m.labels.data(), labels.data(), labels.size());
  const auto hashes = r.take(n * sizeof(uint64_t));
  if (n) std::memcpy(m.record_hashes.data(), hashes.data(), hashes.size());
  const auto offs = r.take((n + 1) * sizeof(uint32_t));
  std::memcpy(offsets.data(), offs.data(), offs.size());
  if (offsets[0] != 0) r.fail("the first path offset is not 0");
  for (std::size_t i = 0; i < n; ++i)
    if (offsets[i + 1] < offsets[i] || offsets[i + 1] - offsets[i] > kMaxPathBytes)
      r.fail("path offsets are not increasing or a path is too long at record " + std::to_string(i));
  const auto blob = r.take(offsets[n]);
  m.paths.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    m.paths.emplace_back(reinterpret_cast<const char*>(blob.data()) + offsets[i], offsets[i + 1] - offsets[i]);
  const uint32_t skipped = r.get<uint32_t>();
  if (skipped != h.slots - h.count)
    r.fail(std::to_string(skipped) + " skipped sources, the header says " + std::to_string(h.slots - h.count));
  for (uint32_t k = 0; k < skipped; ++k) {
    SkippedSource s;
    s.slot = r.get<uint64_t>();
    s.path = r.string(kMaxPathBytes);
    s.reason = r.string(kMaxPathBytes);
    m.skipped.push_back(std::move(s));
  }
  if (r.left() != 0) r.fail(std::to_string(r.left()) + " unexpected bytes at the end");
  return m;
}

}  // namespace alexnet::data
