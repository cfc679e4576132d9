#include "model/checkpoint_io.h"

#include "model/arch_json.h"
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

}  // namespace

Checkpoint make_checkpoint(Network& network, const data::Normalization& norm, const std::vector<std::string>& classes,
                           const TrainState& state) {
  Checkpoint c;
  c.header["arch"] = arch_to_json(network.arch());
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
                       {"data_kind", state.data_kind}};
  vkrt::Context& context = network.context();
  for (auto* p : network.parameters()) {
    c.tensors[p->name] = {p->shape, vkrt::read<float>(context, p->value, p->count)};
    c.tensors[p->name + ".momentum"] = {p->shape, vkrt::read<float>(context, p->momentum, p->count)};
  }
  return c;
}

void load_parameters(Network& network, const Checkpoint& checkpoint, const std::string& path) {
  vkrt::Context& context = network.context();
  for (auto* p : network.parameters()) {
    auto it = checkpoint.tensors.find(p->name);
    if (it == checkpoint.tensors.end()) throw CheckpointError(path + ": tensor " + p->name + " is missing");
    if (it->second.shape != p->shape) throw CheckpointError(path + ": tensor " + p->name + " has another shape");
    vkrt::write<float>(context, p->value, it->second.data);
    auto m = checkpoint.tensors.find(p->name + ".momentum");
    const bool has_momentum = m != checkpoint.tensors.end() && m->second.shape == p->shape;
    vkrt::write<float>(context, p->momentum, has_momentum ? m->second.data : std::vector<float>(p->count, 0.0f));
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
    s.epoch = j.at("epoch").get<int>();
    s.batch_in_epoch = j.at("batch_in_epoch").get<std::uint64_t>();
    s.step = j.at("step").get<std::uint64_t>();
    s.lr = j.at("lr").get<float>();
    s.seed = j.at("seed").get<std::uint64_t>();
    s.batch = j.at("batch").get<int>();
    s.best_val_loss = j.at("best_val_loss").get<double>();
    s.epochs_without_improvement = j.at("epochs_without_improvement").get<int>();
    s.last_loss = j.at("last_loss").get<double>();
    s.data_kind = j.at("data_kind").get<std::string>();
    return s;
  });
}

}  // namespace alexnet
