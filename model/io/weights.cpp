#include "model/io/weights.h"

#include "model/graph/arch_json.h"
#include "model/io/run_state.h"
#include "model/io/safetensors.h"

namespace alexnet {

std::string shape_text(const std::vector<int>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

WeightsFile read_weights(const std::string& path) {
  std::map<std::string, std::string> metadata;
  WeightsFile file;
  file.tensors = read_safetensors(path, &metadata);
  auto parsed = [&](const char* key) { return nlohmann::json::parse(metadata.at(key)); };
  try {
    if (metadata.count("arch")) file.arch = arch_from_json(parsed("arch"));
    if (metadata.count("normalization")) {
      const auto j = parsed("normalization");
      data::Normalization norm;
      read_json_field(j, "mean", norm.mean);
      read_json_field(j, "pixel_scale", norm.pixel_scale);
      if (j.contains("std")) read_json_field(j, "std", norm.std);
      file.norm = norm;
    }
    if (metadata.count("classes")) file.classes = parsed("classes").get<std::vector<std::string>>();
    if (metadata.count("data_kind")) file.data_kind = metadata.at("data_kind");
  } catch (const std::exception& e) {  // nlohmann's, or arch_from_json's invalid_argument
    throw CheckpointError(path + ": malformed metadata (" + e.what() + ")");
  }
  return file;
}

void write_weights(const std::string& path, const std::map<std::string, Tensor>& tensors, const Arch& arch,
                   const data::Normalization& norm, const std::vector<std::string>& classes,
                   const std::string& data_kind) {
  nlohmann::json normalization = {{"mean", norm.mean}, {"pixel_scale", norm.pixel_scale},
                                  {"formula", "(pixel_0_255 - mean[c]) * pixel_scale"}};
  if (!norm.std.empty()) {
    normalization["std"] = norm.std;
    normalization["formula"] = "(pixel_0_255 - mean[c]) * pixel_scale / std[c]";
  }
  write_safetensors(path, tensors,
                    {{"format", "pt"},
                     {"arch", arch_to_json(arch).dump()},
                     {"normalization", normalization.dump()},
                     {"classes", nlohmann::json(classes).dump()},
                     {"data_kind", data_kind}});
}

std::map<std::string, std::string> torchvision_names(const Arch& arch) {
  // Dropout modules are in torchvision's Sequential whatever their probability: walk with it on.
  Arch with_dropout = arch;
  with_dropout.options.dropout = 0.5f;
  std::set<std::string> fc_names;
  for (const auto& f : arch.fcs) fc_names.insert(f.name);
  std::map<std::string, std::string> names;
  int features = 0, classifier = 0;
  for (const ArchNode& node : walk(with_dropout)) {
    if (node.kind == NodeKind::AvgPool) continue;  // its own module, no parameters
    // The head's nodes are named after its fc layers ("fc6.input_dropout", "fc6", "fc6.act", ...).
    const bool head = fc_names.count(node.name.substr(0, node.name.find('.'))) > 0;
    const std::string module = head ? "classifier." + std::to_string(classifier++) : "features." + std::to_string(features++);
    if (node.kind == NodeKind::Conv || node.kind == NodeKind::Fc) {
      names[module + ".weight"] = node.name + ".weight";
      names[module + ".bias"] = node.name + ".bias";
    }
  }
  return names;
}

bool rename_torchvision(WeightsFile& file, const Arch& arch) {
  bool torchvision = false;
  for (const auto& [name, tensor] : file.tensors)
    torchvision = torchvision || name.rfind("features.", 0) == 0 || name.rfind("classifier.", 0) == 0;
  if (!torchvision) return false;
  const auto names = torchvision_names(arch);
  std::map<std::string, Tensor> renamed;
  for (auto& [name, tensor] : file.tensors) {
    const auto it = names.find(name);
    renamed[it == names.end() ? name : it->second] = std::move(tensor);
  }
  file.tensors = std::move(renamed);
  return true;
}

std::size_t import_weights(ParameterSet& model, const WeightsFile& file, const std::string& path,
                           const std::set<std::string>& keep) {
  const auto infos = model.parameter_infos();
  std::set<std::string> wanted;
  for (const auto& p : infos) wanted.insert(p.name);
  for (const auto& [name, tensor] : file.tensors)
    if (!wanted.count(name) && !keep.count(name))
      throw CheckpointError(path + ": tensor " + name + " " + shape_text(tensor.shape) +
                            " is not a parameter of the architecture");
  std::size_t loaded = 0;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const ParameterInfo& p = infos[i];
    if (keep.count(p.name)) continue;
    const auto it = file.tensors.find(p.name);
    if (it == file.tensors.end())
      throw CheckpointError(path + ": tensor " + p.name + " is missing (the architecture wants " + shape_text(p.shape) +
                            ")");
    if (it->second.shape != p.shape)
      throw CheckpointError(path + ": tensor " + p.name + " is " + shape_text(it->second.shape) +
                            ", the architecture wants " + shape_text(p.shape));
    model.write_parameter(i, ParameterPart::Value, it->second.data);
    model.write_parameter(i, ParameterPart::Momentum, std::vector<float>(p.count, 0.0f));
    ++loaded;
  }
  return loaded;
}

}  // namespace alexnet
