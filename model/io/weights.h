// Weights in and out in PyTorch's layout, as safetensors files: this project's exports (fp32
// tensors named "conv1.weight" ... "fc8.bias", the architecture, input normalization and class
// names in the metadata), or a PyTorch state_dict saved with safetensors under the same names
// (bench/torch_to_safetensors.py converts torchvision's AlexNet).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/data/augment.h"
#include "model/graph/arch.h"
#include "model/graph/parameter_set.h"
#include "model/io/checkpoint.h"

namespace alexnet {

struct WeightsFile {
  std::map<std::string, Tensor> tensors;
  std::optional<Arch> arch;                    // from the "arch" metadata, when present
  std::optional<data::Normalization> norm;     // from "normalization", when present
  std::vector<std::string> classes;            // from "classes", when present
  std::string data_kind;                       // from "data_kind", when present
};

// Throws CheckpointError naming the path for an unreadable file or malformed metadata.
WeightsFile read_weights(const std::string& path);

// The export: every parameter's value (not its momentum) and the metadata above. Atomic; throws
// CheckpointError naming the path.
void write_weights(const std::string& path, const std::map<std::string, Tensor>& tensors, const Arch& arch,
                   const data::Normalization& norm, const std::vector<std::string>& classes,
                   const std::string& data_kind);

// Loads `file`'s tensors into `model` (values; momentum zero). Every parameter must be in the
// file with its shape, and every tensor of the file must be a parameter, except the names in
// `keep` (parameters left as they are, e.g. a new classifier's) — else CheckpointError with a
// one-line message naming `path`, the tensor and both shapes. Returns the tensors loaded.
std::size_t import_weights(ParameterSet& model, const WeightsFile& file, const std::string& path,
                           const std::set<std::string>& keep = {});

// torchvision's names for `arch`'s parameters, as its AlexNet module holds them: "features.<i>"
// counts the modules of the conv blocks (conv, ReLU, LRN, max-pool), "classifier.<i>" those of
// the head (dropout, linear, ReLU), so alexnet-torchvision gives features.0 -> conv1,
// features.3 -> conv2, ..., classifier.1 -> fc6, classifier.4 -> fc7, classifier.6 -> fc8
// (".weight" and ".bias" each).
std::map<std::string, std::string> torchvision_names(const Arch& arch);

// When `file` holds torchvision names (features.*, classifier.*), renames them to `arch`'s; names
// with no counterpart stay, for import_weights to report. Returns whether it renamed.
bool rename_torchvision(WeightsFile& file, const Arch& arch);

// "[96, 3, 11, 11]"
std::string shape_text(const std::vector<int>& shape);

}  // namespace alexnet
