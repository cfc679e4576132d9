// Architectures in JSON, for checkpoints (to rebuild the same network) and for the safetensors
// export's metadata (so PyTorch can rebuild it: every kernel, stride, pad, group and LRN constant).
#pragma once

#include <nlohmann/json.hpp>

#include "model/graph/arch.h"

namespace alexnet {

nlohmann::json arch_to_json(const Arch& arch);
// Rebuilds with make_arch from name, classes, input and options; throws std::invalid_argument
// when the JSON lacks a field or names an unknown architecture.
Arch arch_from_json(const nlohmann::json& j);

}  // namespace alexnet
