// Architectures in JSON: the whole description, for checkpoints (to rebuild the same network), for
// the safetensors export's metadata (so PyTorch can rebuild it: every kernel, stride, pad, group,
// pool and LRN constant) and for `--arch FILE.json` (model/graph/arch_file.h), so a layout is
// chosen without code. The format is docs/architecture.md's "Architectures as data";
// model/archs/*.json are examples.
#pragma once

#include <nlohmann/json.hpp>

#include "model/graph/arch.h"

namespace alexnet {

// Every field; arch_from_json(arch_to_json(a)) builds the same network as a.
nlohmann::json arch_to_json(const Arch& arch);

// Reads what arch_to_json writes. Fields left out take the named architecture's values when
// "name" is one (so checkpoints written before a field existed still read), else the defaults
// of the format. Throws std::invalid_argument with one line naming the field ("convs[1].kernel:
// expected an integer, got \"5\"", "fcs[0]: unknown key 'hiden'") or, from validate_arch, the
// layer and the problem (a size out of range, groups that do not divide, no output left).
Arch arch_from_json(const nlohmann::json& j);

}  // namespace alexnet
