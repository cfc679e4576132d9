// `--arch NAME` or `--arch FILE.json`: a named architecture or one described in a JSON file (the
// format arch_to_json writes, model/graph/arch_json.h), for train, eval, predict and bench.
#pragma once

#include <string>

#include "model/graph/arch.h"

namespace alexnet {

// Whether `arch` names a file rather than a named architecture: it ends in ".json" or holds a '/'.
bool is_arch_file(const std::string& arch);

// The architecture in a JSON file, as written. Throws std::invalid_argument with one line
// "<path>: <field>: <problem>" for an unreadable file, text that is not JSON, an unknown key, a
// bad value or a layout whose shapes do not fit.
Arch read_arch_file(const std::string& path);

// The architecture `arch` (a name or a file) for data of `classes` classes and `in_channels`
// channels, at `in_size` (0: the architecture's own). A file's own classes and channels are
// replaced by the data's; `options` (the ablation flags) change a file's values only where they
// differ from their defaults. Throws std::invalid_argument (naming the file).
Arch resolve_arch(const std::string& arch, int classes, int in_channels, int in_size = 0, const ArchOptions& options = {});

// The input size `arch` (a name or a file) expects when no size is given.
int arch_input_size(const std::string& arch);

}  // namespace alexnet
