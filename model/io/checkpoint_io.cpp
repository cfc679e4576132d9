#include "model/io/checkpoint_io.h"

#include <cmath>

#include "model/graph/arch_json.h"
#include "model/io/checkpoint_json.h"
#include "runtime/transfer.h"

namespace alexnet {
namespace {

template <class F>
auto field(const std::string& path, const char* what, F&& read) {
  try {
    return read();
  } catch (const std::exception& e) {
    throw CheckpointError(path + ": " + what + " is missing or malformed (" + e.what() + ")");
  }
}

nlohmann::json metrics_to_json(const EpochMetrics& m) {
  return {{"epoch", m.epoch},
          {"train_loss", m.train_loss},
          {"train_top1_error", m.train_top1_error},
          {"train_top5_error", m.train_top5_error},
          {"val_loss", m.val_loss},
          {"val_top1_error", m.val_top1_error},
          {"val_top5_error", m.val_top5_error},
          {"lr", m.lr},
          {"seconds", m.seconds},
          {"data_wait_seconds", m.data_wait_seconds}};
}

EpochMetrics metrics_from_json(const nlohmann::json& j) {
  EpochMetrics m;
  m.epoch = json_integer<int>(j.at("epoch"));
  m.train_loss = j.at("train_loss").get<double>();
  m.train_top1_error = j.at("train_top1_error").get<double>();
  m.train_top5_error = j.at("train_top5_error").get<double>();
  m.val_loss = j.at("val_loss").get<double>();
  m.val_top1_error = j.at("val_top1_error").get<double>();
  m.val_top5_error = j.at("val_top5_error").get<double>();
  m.lr = j.at("lr").get<double>();
  m.seconds = j.at("seconds").get<double>();
  m.data_wait_seconds = j.at("data_wait_seconds").get<double>();
  return m;
}

std::vector<float> finite_or_throw(std::vector<float> values, const std::string& name) {
  for (float v : values)
    if (!std::isfinite(v)) throw NonFiniteError("non-finite values in " + name);
  return values;
}

}  // namespace

Checkpoint make_checkpoint(ParameterSet& network, const Arch& arch, const data::Normalization& norm, const std::vector<std::string>& classes,
                           const TrainState& state) {
  Checkpoint c;
  c.header["arch"] = arch_to_json(arch);
  c.header["normalization"] = {{"mean", norm.mean},
                               {"pixel_scale", norm.pixel_scale},
                               {"eigval", norm.eigval},
                               {"eigvec", norm.eigvec}};
  c.header["classes"] = classes;
  c.header["train"] = {{"epoch", state.epoch},
                       {"batch_in_epoch", state.batch_in_epoch},
                       {"step", state.step},
                       {"lr", state.lr},
                       {"seed", state.seed},
                       {"batch", state.batch},
                       {"best_val_loss", state.best_val_loss},
                       {"epochs_without_improvement", state.epochs_without_improvement},
                       {"last_loss", state.last_loss},
                       {"data_kind", state.data_kind},
                       {"epoch_tally",
                        {{"loss_sum", state.epoch_tally.loss_sum},
                         {"top1_misses", state.epoch_tally.top1_misses},
                         {"top5_misses", state.epoch_tally.top5_misses},
                         {"count", state.epoch_tally.count},
                         {"seconds", state.epoch_seconds},
                         {"data_wait_seconds", state.epoch_data_wait_seconds}}},
                       {"history", nlohmann::json::array()},
                       {"recipe", state.recipe.is_null() ? nlohmann::json::object() : state.recipe}};
  for (const auto& m : state.history) c.header["train"]["history"].push_back(metrics_to_json(m));
  const auto infos = network.parameter_infos();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const auto& p = infos[i];
    c.tensors[p.name] = {p.shape, finite_or_throw(network.read_parameter(i, ParameterPart::Value), p.name)};
    c.tensors[p.name + ".momentum"] = {
        p.shape, finite_or_throw(network.read_parameter(i, ParameterPart::Momentum), p.name + ".momentum")};
  }
  return c;
}

void load_parameters(ParameterSet& network, const Checkpoint& checkpoint, const std::string& path) {
  const auto infos = network.parameter_infos();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const auto& p = infos[i];
    auto it = checkpoint.tensors.find(p.name);
    if (it == checkpoint.tensors.end()) throw CheckpointError(path + ": tensor " + p.name + " is missing");
    if (it->second.shape != p.shape) throw CheckpointError(path + ": tensor " + p.name + " has another shape");
    network.write_parameter(i, ParameterPart::Value, it->second.data);
    auto m = checkpoint.tensors.find(p.name + ".momentum");
    const bool has_momentum = m != checkpoint.tensors.end() && m->second.shape == p.shape;
    network.write_parameter(i, ParameterPart::Momentum,
                            has_momentum ? m->second.data : std::vector<float>(p.count, 0.0f));
  }
}

Arch checkpoint_arch(const Checkpoint& c, const std::string& path) {
  return field(path, "architecture", [&] { return arch_from_json(c.header.at("arch")); });
}

data::Normalization checkpoint_normalization(const Checkpoint& c, const std::string& path) {
  return field(path, "normalization", [&] {
    const auto& j = c.header.at("normalization");
    data::Normalization n;
    n.mean = j.at("mean").get<std::vector<float>>();
    n.pixel_scale = j.at("pixel_scale").get<float>();
    n.eigval = j.at("eigval").get<std::array<float, 3>>();
    n.eigvec = j.at("eigvec").get<std::array<std::array<float, 3>, 3>>();
    return n;
  });
}

std::vector<std::string> checkpoint_classes(const Checkpoint& c, const std::string& path) {
  return field(path, "class list", [&] { return c.header.at("classes").get<std::vector<std::string>>(); });
}

TrainState checkpoint_state(const Checkpoint& c, const std::string& path) {
  return field(path, "training state", [&] {
    const auto& j = c.header.at("train");
    TrainState s;
    s.epoch = json_integer<int>(j.at("epoch"));
    s.batch_in_epoch = json_integer<std::uint64_t>(j.at("batch_in_epoch"));
    s.step = json_integer<std::uint64_t>(j.at("step"));
    s.lr = j.at("lr").get<float>();
    s.seed = json_integer<std::uint64_t>(j.at("seed"));
    s.batch = json_integer<int>(j.at("batch"));
    s.best_val_loss = j.at("best_val_loss").get<double>();
    s.epochs_without_improvement = json_integer<int>(j.at("epochs_without_improvement"));
    s.last_loss = j.at("last_loss").get<double>();
    s.data_kind = j.at("data_kind").get<std::string>();
    if (c.version >= 2) {
      const auto& t = j.at("epoch_tally");
      s.epoch_tally.loss_sum = t.at("loss_sum").get<double>();
      s.epoch_tally.top1_misses = json_integer<std::size_t>(t.at("top1_misses"));
      s.epoch_tally.top5_misses = json_integer<std::size_t>(t.at("top5_misses"));
      s.epoch_tally.count = json_integer<std::size_t>(t.at("count"));
      s.epoch_seconds = t.at("seconds").get<double>();
      s.epoch_data_wait_seconds = t.at("data_wait_seconds").get<double>();
      for (const auto& m : j.at("history")) s.history.push_back(metrics_from_json(m));
      s.has_history = true;
      s.recipe = j.at("recipe");
    }
    return s;
  });
}

}  // namespace alexnet
