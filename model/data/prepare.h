// `alexnet_vk prepare`: decode an image folder once into packed shards (packed_format.h).
//
// Every image is decoded with JPEG DCT scaling to the smallest size that still covers the target
// (decode_image's min_short_side), resized so its short side is `size` and centre-cropped to
// size x size (the paper's 256 x 256), and stored as bytes. All threads decode; the calling thread
// writes each shard when its images are done (a temporary, fsync, rename) and finally the mean
// image and index.json, the file that makes the folder a data set. The training split's pixel
// sums (the mean and PCA statistics) are accumulated as images are stored, so training never
// recomputes them.
//
// Bad sources are skipped, counted and listed (in the report and the index), never fatal. An
// interrupted run leaves no index.json; run again and every shard whose plan (recipe, paths,
// sizes, modification times) is unchanged and whose every record still matches its hash is kept,
// so only the rest is decoded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/data/packed_format.h"

namespace alexnet::data {

struct PrepareProgress {
  uint64_t done = 0;     // sources finished (stored, skipped, or in a kept shard)
  uint64_t total = 0;    // sources listed
  uint64_t skipped = 0;  // of done
  uint64_t decoded = 0;  // of done, decoded by this run (images per second count these)
  double seconds = 0;
};

struct PrepareOptions {
  std::string source;  // see scan_sources (prepare_plan.h) for the layouts
  std::string out;     // the packed folder; created, or an earlier prepare's
  int size = 256;
  int threads = 0;     // decoding threads; 0 = every hardware thread
  int shard_images = 1024;
  // Named points for the crash-safety tests (the tool passes faults::kill_point):
  //   "prepare:<file>:written"  a shard or the index: temporary complete and fsynced, not renamed
  //   "prepare:<file>:renamed"  renamed into place, the folder synced
  std::function<void(const std::string& point)> hook;
  // Called on the writing thread about four times a second, and once at the end.
  std::function<void(const PrepareProgress&)> progress;
};

struct PrepareReport {
  uint64_t sources = 0, stored = 0;
  std::vector<SkippedSource> skipped;  // paths relative to the source folder
  uint32_t shards_written = 0, shards_kept = 0;
  uint64_t decoded = 0;  // images decoded by this run (not in kept shards)
  double seconds = 0;
  double cpu_seconds = 0;  // CPU time of the whole process (every thread) while preparing
  int threads = 0;
};

// Throws DataError naming the folder or file for a source layout it cannot use (prepare_plan.h),
// an output folder it must not write into, or a write that fails; std::invalid_argument for bad
// options (size outside [1, kMaxPackedSide], shard_images outside [1, kMaxShardRecords], threads
// < 0).
PrepareReport prepare_packed(const PrepareOptions& options);

}  // namespace alexnet::data
