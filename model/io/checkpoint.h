// Checkpoint files: a JSON header (format version, architecture, normalization, optimizer and data
// position) and named fp32 tensors, closed by a CRC-32 of everything before it.
//
// Layout (little-endian):
//   8 bytes  magic "AXVKCKPT"
//   u32      format version (kCheckpointVersion; this build also reads version 1, whose header
//            lacks the partial-epoch sums, the metric history and the run's recipe)
//   u64      header length H
//   H bytes  header, JSON; "tensors": [{"name", "shape", "offset", "count"}], offsets into the data
//   ...      tensor data, fp32
//   u32      CRC-32 (zlib) of every byte above
//
// Writing is atomic: a temporary file in the same folder, fsync, rename over the target, fsync of
// the folder. A crash at any point leaves either the old file or the new one, never half of one.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace alexnet {

inline constexpr std::uint32_t kCheckpointVersion = 2;
inline constexpr std::uint32_t kOldestCheckpointVersion = 1;

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Tensor {
  std::vector<int> shape;
  std::vector<float> data;
};

struct Checkpoint {
  std::uint32_t version = kCheckpointVersion;  // as read from the file; saving always writes the newest
  nlohmann::json header;                 // everything but the tensors
  std::map<std::string, Tensor> tensors;  // by name, e.g. "conv1.weight", "conv1.weight.momentum"
};

// Throws CheckpointError naming the path when the file cannot be written; the old file, if any,
// is then untouched. `kill_label` names the write for the test-only kill points
// (model/io/faults.h): LABEL:bytes:B, LABEL:written, LABEL:renamed.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint, const std::string& kill_label = "");

// Throws CheckpointError with a one-line message naming the path: missing, truncated, wrong magic,
// unsupported version, checksum mismatch, malformed header, tensor out of bounds.
Checkpoint load_checkpoint(const std::string& path);

// Only the JSON header (no tensors, no checksum check: load_checkpoint verifies the file later).
// Throws CheckpointError like load_checkpoint.
nlohmann::json read_checkpoint_header(const std::string& path);

}  // namespace alexnet
