// What `prepare` will do, before it decodes anything: the source splits and their sorted files,
// the shards they fall into, and which shards an earlier run already wrote and can be kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/data/packed_format.h"
#include "model/data/packed_index.h"

namespace alexnet::data {

struct SourceSplit {
  PackedSplit split = PackedSplit::Train;
  std::string folder;                  // relative to the source root: "train", "val", "test" or "."
  std::vector<std::string> paths;      // relative to the source root, in ImageFolder order
  std::vector<int32_t> labels;
  std::vector<uint64_t> signatures;    // per file: a hash of its size and modification time
};

struct SourcePlan {
  std::string root;
  std::vector<std::string> classes;
  std::vector<SourceSplit> splits;  // train first, when present
};

// The layouts `prepare` accepts: root/train/<class>/... with an optional held-out root/val/<class>
// (or root/test/<class> when there is no val/), or root/<class>/... alone (a torchvision
// ImageFolder root), taken as the training split. The held-out split must have exactly the
// training split's classes (their positions are the labels). DataError naming the folder: no
// class folders, an empty class folder, classes that differ, an unreadable file.
SourcePlan scan_sources(const std::string& root);

// A shard's plan hash: the recipe, the split, and for every source slot it covers the path, the
// label and the signature. Equal hashes: the shard an earlier run wrote is the one this run would.
uint64_t shard_plan_hash(const PackedRecipe& recipe, const SourceSplit& split, uint64_t first_slot,
                         uint64_t slots);

// The header a finished shard for these slots must have (its sizes and hashes aside).
ShardHeader planned_header(const PackedRecipe& recipe, const SourceSplit& split, uint32_t shard);

// Refuses an output folder that holds anything but what prepare writes (so a mistyped --out never
// deletes a user's index.json), or that lies inside the source tree (it would be scanned as a
// class). Then makes it, removes index.json (from now on the folder is not a valid data set until
// this run finishes) and any stale temporaries of a killed run, and syncs the folder.
void claim_output_folder(const std::string& out, const std::string& source_root);

// Removes the shard files in `out` that the plan does not name (left by a run over more images).
void remove_unplanned_shards(const std::string& out, const std::vector<std::string>& planned);

}  // namespace alexnet::data
