// open_model(): the one place that chooses how a model is laid out over devices, and the members
// every layout shares (model/model.h).
#include <stdexcept>

#include "model/graph/memory_estimate.h"
#include "model/graph/one_device_model.h"
#include "model/model.h"
#include "model/split/split_network.h"
#include "runtime/error.h"
#include "runtime/context.h"

namespace alexnet {

std::size_t Model::input_count() const {
  return std::size_t(arch().in_channels) * arch().in_size * arch().in_size;
}

std::string Model::device_name() const {
  std::string joined;
  for (const auto& name : device_names()) joined += (joined.empty() ? "" : " + ") + name;
  return joined;
}

std::size_t Model::parameter_count() const {
  std::size_t total = 0;
  for (const auto& info : parameter_infos()) total += info.count;
  return total;
}

std::vector<std::string> Model::feature_layers() const {
  std::vector<std::string> names;
  for (const auto& node : walk(arch()))
    if (node.kind == NodeKind::Conv || node.kind == NodeKind::Fc) names.push_back(node.name);
  return names;
}

std::size_t Model::feature_count(const std::string& layer) const {
  for (const auto& node : walk(arch()))
    if ((node.kind == NodeKind::Conv || node.kind == NodeKind::Fc) && node.name == layer) return node.out.count();
  std::string names;
  for (const auto& name : feature_layers()) names += (names.empty() ? "" : ", ") + name;
  throw std::invalid_argument("no layer '" + layer + "' to take features from (one of " + names + ")");
}

void Model::set_loss_scale(float) {
  throw std::logic_error("loss scaling is for --precision fp16 only");
}

std::unique_ptr<Model> open_model(const DeviceList& devices, const Arch& arch, const ModelOptions& options) {
  if (devices.empty() || devices.size() > 2)
    throw std::invalid_argument("a model runs on one device or two, not " + std::to_string(devices.size()));
  if (options.batch < 1) throw std::invalid_argument("--batch must be at least 1");
  if (devices.size() == 2 && options.precision != Precision::Fp32)
    throw std::invalid_argument("--precision fp16 runs on one device only (the two-device split is fp32)");
  vkrt::Context& first = *devices[0];
  // Before anything is allocated: a batch that cannot fit is a clear error, not a driver failure
  // half-way through set-up. (Two devices each hold half; the one-device estimate would not
  // apply, and their allocations are checked as they happen.)
  if (devices.size() == 1 && options.train)
    require_memory_fits(first, arch, options.batch, options.micro_batch, options.precision);
  try {
    std::unique_ptr<Model> model;
    if (devices.size() == 1) model = std::make_unique<OneDeviceModel>(first, arch, options);
    else model = std::make_unique<SplitNetwork>(first, *devices[1], arch, options);
    // The pipelines are compiled now: keep them, so a run killed later still leaves them.
    for (vkrt::Context* context : devices) context->save_pipeline_cache();
    return model;
  } catch (const vkrt::OutOfMemoryError& e) {
    throw vkrt::OutOfMemoryError(
        std::string(e.what()) + "; " + memory_advice(first, arch, options.batch, options.micro_batch, options.precision),
        e.result());
  }
}

}  // namespace alexnet
