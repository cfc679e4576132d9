// The packed format `alexnet_vk prepare` writes: images decoded once, resized and centre-cropped
// to S x S, stored as raw bytes a loader can memory-map and crop from without decoding anything.
//
// A packed data set is a folder:
//   index.json          written last (model/data/packed_index.h): the recipe, the classes, each
//                       split's shards with their sizes and checksums, the sources skipped, the
//                       normalisation statistics. No index.json, no data set: a prepare that was
//                       interrupted leaves nothing that reads as valid.
//   train-00000.pack    the shards of each split (train, val), in source order
//   train-mean.f32      the mean image of the training split: (S, S, 3) little-endian float32
//
// A shard, every integer little-endian:
//   header (128 bytes)   kShardMagic, version, split, shard number, width, height, channels,
//                        count, the slots of the split's sorted source list it covers (first
//                        slot and how many: count plus the sources skipped), the offsets and size
//                        of the metadata and the pixels, the file size, the plan hash (recipe and
//                        the covered sources' names, sizes and modification times: what a re-run
//                        compares to decide whether the shard is still good), the metadata's
//                        hash, and a hash of the header itself
//   metadata             count int32 labels; count uint64 record hashes (XXH3-64 of each
//                        record's pixels); count+1 uint32 offsets into a blob of the records'
//                        source paths (relative to the prepared folder); the sources skipped
//                        (uint32 number, then per source: uint64 slot, uint32 length + path,
//                        uint32 length + the reason)
//   padding to kPixelAlign
//   pixels               count records of (height, width, channels) bytes
//
// Checks form a two-level tree, so that opening stays cheap however large the set: the index
// holds each shard's metadata hash, the metadata holds each record's hash. Opening reads and
// checks every header and metadata block (about 60 bytes per image); a record's pixels are checked
// when the record is read (XXH3 runs at ~10 GB/s, a small fraction of a crop's cost);
// verify_packed (`alexnet_vk prepare --verify`) checks every record at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace alexnet::data {

inline constexpr char kShardMagic[8] = {'A', 'V', 'K', 'P', 'A', 'C', 'K', '1'};
inline constexpr uint32_t kPackedVersion = 1;
inline constexpr std::size_t kShardHeaderBytes = 128;
inline constexpr std::size_t kPixelAlign = 4096;  // pixels start on a page
inline constexpr const char* kIndexFile = "index.json";
// Bounds a reader enforces before trusting a size from a file.
inline constexpr uint64_t kMaxShardRecords = uint64_t{1} << 20;
inline constexpr uint32_t kMaxPackedSide = 4096;
inline constexpr std::size_t kMaxPathBytes = 4096;

// XXH3-64 (libxxhash), the format's one checksum.
uint64_t packed_hash(const void* data, std::size_t size);
std::string hash_hex(uint64_t hash);              // 16 lowercase hex digits
bool parse_hash_hex(const std::string& text, uint64_t& hash);

enum class PackedSplit : uint32_t { Train = 0, Val = 1 };
const char* split_name(PackedSplit split);  // "train", "val"
// "<split>-<shard, 5 digits>.pack"
std::string shard_file_name(PackedSplit split, uint32_t shard);
std::string mean_image_file_name();  // "train-mean.f32"

struct SkippedSource {
  uint64_t slot = 0;   // position in the split's sorted source list
  std::string path;    // relative to the prepared folder
  std::string reason;  // the decoder's one-line error
};

struct ShardHeader {
  PackedSplit split = PackedSplit::Train;
  uint32_t shard = 0;
  uint32_t width = 0, height = 0, channels = 0;
  uint64_t count = 0;
  uint64_t first_slot = 0, slots = 0;
  uint64_t meta_offset = 0, meta_bytes = 0;
  uint64_t pixels_offset = 0;
  uint64_t file_bytes = 0;
  uint64_t plan_hash = 0;
  uint64_t meta_hash = 0;

  uint64_t record_bytes() const { return uint64_t{width} * height * channels; }
};

struct ShardMeta {
  std::vector<int32_t> labels;         // count
  std::vector<uint64_t> record_hashes; // count
  std::vector<std::string> paths;      // count
  std::vector<SkippedSource> skipped;
};

// The metadata block's bytes and the header that describes a shard holding it and `count`
// records; the header's sizes, offsets and hashes are filled in.
std::vector<uint8_t> encode_shard_meta(const ShardMeta& meta);
std::vector<uint8_t> encode_shard_header(ShardHeader& header, std::span<const uint8_t> meta);

// Parse and check; every failure is a DataError naming `file`. decode_shard_header checks the
// magic, version, its own hash, and that the offsets, sizes and record count describe a file of
// exactly header.file_bytes; decode_shard_meta checks the metadata hash and its structure.
ShardHeader decode_shard_header(std::span<const uint8_t> bytes, const std::string& file);
ShardMeta decode_shard_meta(const ShardHeader& header, std::span<const uint8_t> meta,
                            const std::string& file);

}  // namespace alexnet::data
