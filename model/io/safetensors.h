// Writing weights in the safetensors format (https://github.com/huggingface/safetensors):
//   u64 little-endian header length N, N bytes of JSON (padded with spaces to a multiple of 8),
//   then the raw tensor bytes. Each header entry: {"dtype": "F32", "shape": [...],
//   "data_offsets": [begin, end]} relative to the data; "__metadata__" maps strings to strings.
#pragma once

#include <map>
#include <string>

#include "model/io/checkpoint.h"

namespace alexnet {

// Atomic like checkpoints; throws CheckpointError naming the path on failure.
void write_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata);

// Reads back what write_safetensors writes (F32 only); throws CheckpointError naming the path.
std::map<std::string, Tensor> read_safetensors(const std::string& path, std::map<std::string, std::string>* metadata);

}  // namespace alexnet
