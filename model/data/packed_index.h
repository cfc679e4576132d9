// index.json of a packed data set (see packed_format.h): what `prepare` made, from what, and how.
//
//   {"format": "alexnet_vk packed images", "version": 1,
//    "recipe": {"size": 256, "channels": 3, "resize": "...", "crop": "...", "decode": "...",
//               "layout": "...", "shard_images": 1024, "hash": "<16 hex>"},
//    "source": "/data/imagenet", "classes": ["n01440764", ...],
//    "splits": {"train": {"folder": "train", "sources": 1281167, "count": 1281160,
//                         "shards": [{"file": "train-00000.pack", "count": 1024,
//                                     "bytes": 201330688, "meta_hash": "<16 hex>"}, ...],
//                         "skipped": [{"path": "train/n.../x.JPEG", "reason": "..."}]},
//               "val": {...}},
//    "normalization": {"split": "train", "pixels": ..., "sum": [3], "cross": [[3] x 3],
//                      "mean": [3], "eigval": [3], "eigvec": [[3] x 3],
//                      "mean_image": {"file": "train-mean.f32", "bytes": ..., "hash": "..."}}}
//
// "sum" and "cross" are PixelStats' exact integer sums over every stored training pixel; a reader
// rebuilds the Normalization from them (mean, eigval and eigvec are there for other tools).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/data/normalization.h"
#include "model/data/packed_format.h"

namespace alexnet::data {

inline constexpr const char* kPackedFormatName = "alexnet_vk packed images";

// How the stored pixels were made. Two runs with equal recipes (and equal sources) write equal
// shards; the hash goes into every shard's plan hash.
struct PackedRecipe {
  int size = 256;          // S: short side resized to S, then the centre S x S kept
  int channels = 3;
  int shard_images = 1024;  // source slots per shard

  std::string resize() const;  // human-readable lines, stored for whoever reads the index
  std::string crop() const;
  std::string decode() const;
  std::string layout() const;
  uint64_t hash() const;
};

struct PackedShardEntry {
  std::string file;
  uint64_t count = 0, bytes = 0, meta_hash = 0;
};

struct PackedSplitIndex {
  bool present = false;
  std::string folder;    // the source folder, relative to `source` ("train", "val", "test", ".")
  uint64_t sources = 0;  // image files listed
  uint64_t count = 0;    // records stored (sources minus skipped)
  std::vector<PackedShardEntry> shards;
  std::vector<SkippedSource> skipped;
};

struct PackedIndex {
  PackedRecipe recipe;
  std::string source;  // the folder prepared
  std::vector<std::string> classes;
  PackedSplitIndex train, val;
  // Over the training split's stored pixels; absent when only a held-out split was prepared.
  std::optional<PixelStats> stats;
  std::string mean_image_file;
  uint64_t mean_image_bytes = 0, mean_image_hash = 0;

  PackedSplitIndex& split(PackedSplit s) { return s == PackedSplit::Train ? train : val; }
  const PackedSplitIndex& split(PackedSplit s) const { return s == PackedSplit::Train ? train : val; }
};

// Serialised as above. read_packed_index throws DataError naming the file for anything that is
// not a complete, consistent index (bad JSON, a missing or mistyped field, a count that does not
// add up, a shard file name that leaves the folder, more than kMaxIndexBytes).
std::string packed_index_json(const PackedIndex& index);
PackedIndex read_packed_index(const std::string& path);
PackedIndex parse_packed_index(const std::string& text, const std::string& path);

inline constexpr std::size_t kMaxIndexBytes = std::size_t{1} << 28;

}  // namespace alexnet::data
