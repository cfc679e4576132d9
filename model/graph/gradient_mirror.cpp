#include "model/graph/gradient_mirror.h"

#include <stdexcept>
#include <string>

namespace alexnet {

GradientMirror::GradientMirror(vkrt::Context& context, Network& network, const std::vector<ParameterRange>& groups)
    : network_(network), groups_(groups), timeline_(context) {
  const auto params = network.parameters();
  std::size_t expected_last = params.size();
  for (const auto& g : groups_) {
    if (g.last != expected_last || g.first >= g.last)
      throw std::invalid_argument("mirror_gradients: the groups must cover every parameter, from the last to the first");
    expected_last = g.first;
  }
  if (groups_.empty() || expected_last != 0)
    throw std::invalid_argument("mirror_gradients: the groups must cover every parameter, from the last to the first");
  offsets_.push_back(0);
  for (const auto* p : params) offsets_.push_back(offsets_.back() + p->count);
  host_ = context.allocator().allocate(offsets_.back() * sizeof(float), vkrt::Intent::Readback);

  // Group g is final after the backward of the layer holding its first parameter; groups that
  // end in the same layer share a part. The last part runs to the end of the pass.
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::size_t layer = network.layer_of_parameter(groups_[g].first);
    if (!parts_.empty() && parts_.back().after_layer == layer) {
      parts_.back().last_group = g + 1;
      continue;
    }
    parts_.push_back({layer, g, g + 1});
  }
}

std::vector<std::size_t> GradientMirror::cut_layers() const {
  std::vector<std::size_t> cuts;
  for (std::size_t p = 0; p + 1 < parts_.size(); ++p) cuts.push_back(parts_[p].after_layer);
  return cuts;
}

void GradientMirror::record_copies(vkrt::Stream& stream, std::size_t part) {
  const auto params = network_.parameters();
  for (std::size_t g = parts_[part].first_group; g < parts_[part].last_group; ++g)
    for (std::size_t i = groups_[g].first; i < groups_[g].last; ++i)
      stream.copy(vkrt::BufferRange(params[i]->grad, 0, params[i]->count * sizeof(float)),
                  vkrt::BufferRange(host_, offsets_[i] * sizeof(float), params[i]->count * sizeof(float)));
}

void GradientMirror::record_write_back(vkrt::Stream& stream) {
  const auto params = network_.parameters();
  for (std::size_t i = 0; i < params.size(); ++i)
    stream.copy(vkrt::BufferRange(host_, offsets_[i] * sizeof(float), params[i]->count * sizeof(float)),
                vkrt::BufferRange(params[i]->grad, 0, params[i]->count * sizeof(float)));
}

std::span<float> GradientMirror::floats(std::size_t group) const {
  const auto all = host_.host_span<float>();
  return all.subspan(offsets_[groups_[group].first], offsets_[groups_[group].last] - offsets_[groups_[group].first]);
}

std::span<float> GradientMirror::ready(std::size_t group, double timeout_ms) const {
  if (group >= groups_.size()) throw std::out_of_range("mirrored_gradients: no group " + std::to_string(group));
  const auto ns = static_cast<std::uint64_t>(timeout_ms > 0 ? timeout_ms * 1e6 : 0);
  if (!timeline_.reached(base_ + group + 1, ns)) return {};
  return floats(group);
}

}  // namespace alexnet
