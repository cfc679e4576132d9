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

// The training state's fields in the checkpoint's "train" object, and the epoch in progress in
// its "epoch_tally": one list for writing and reading.
template <class State, class Field>
void state_fields(State& s, Field&& field) {
  field("epoch", s.epoch);
  field("batch_in_epoch", s.batch_in_epoch);
  field("step", s.step);
  field("lr", s.lr);
  field("seed", s.seed);
  field("batch", s.batch);
  field("best_val_loss", s.best_val_loss);
  field("epochs_without_improvement", s.epochs_without_improvement);
  field("last_loss", s.last_loss);
  field("data_kind", s.data_kind);
}
template <class State, class Field>
void tally_fields(State& s, Field&& field) {
  field("loss_sum", s.epoch_tally.loss_sum);
  field("top1_misses", s.epoch_tally.top1_misses);
  field("top5_misses", s.epoch_tally.top5_misses);
  field("count", s.epoch_tally.count);
  field("seconds", s.epoch_seconds);
  field("data_wait_seconds", s.epoch_data_wait_seconds);
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
  c.header["normalization"] = norm;
  c.header["classes"] = classes;
  nlohmann::json train, tally;
  state_fields(state, [&](const char* name, const auto& value) { train[name] = value; });
  tally_fields(state, [&](const char* name, const auto& value) { tally[name] = value; });
  train["loss_scale"] = state.loss_scale;
  train["loss_scale_finite_steps"] = state.loss_scale_finite_steps;
  train["skipped_steps"] = state.skipped_steps;
  train["epoch_tally"] = tally;
  train["history"] = state.history.empty() ? nlohmann::json::array() : nlohmann::json(state.history);
  train["recipe"] = state.recipe.is_null() ? nlohmann::json::object() : state.recipe;
  c.header["train"] = train;
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
  return field(path, "normalization", [&] { return c.header.at("normalization").get<data::Normalization>(); });
}

std::vector<std::string> checkpoint_classes(const Checkpoint& c, const std::string& path) {
  return field(path, "class list", [&] { return c.header.at("classes").get<std::vector<std::string>>(); });
}

TrainState checkpoint_state(const Checkpoint& c, const std::string& path) {
  return field(path, "training state", [&] {
    const auto& j = c.header.at("train");
    TrainState s;
    state_fields(s, [&](const char* name, auto& value) { read_json_field(j, name, value); });
    if (j.contains("loss_scale")) {  // written since dynamic loss scaling
      read_json_field(j, "loss_scale", s.loss_scale);
      read_json_field(j, "loss_scale_finite_steps", s.loss_scale_finite_steps);
      read_json_field(j, "skipped_steps", s.skipped_steps);
    }
    if (c.version >= 2) {
      const auto& t = j.at("epoch_tally");
      tally_fields(s, [&](const char* name, auto& value) { read_json_field(t, name, value); });
      for (const auto& m : j.at("history")) s.history.push_back(m.get<EpochMetrics>());
      s.has_history = true;
      s.recipe = j.at("recipe");
    }
    return s;
  });
}

}  // namespace alexnet
