#include "model/graph/arch_json.h"

#include <stdexcept>

#include "model/io/checkpoint_json.h"

namespace alexnet {
namespace {

// The largest image side the data pipeline decodes (data::kMaxImageSide).
constexpr int kMaxInputSize = 16384;

}  // namespace

nlohmann::json arch_to_json(const Arch& a) {
  nlohmann::json convs = nlohmann::json::array(), fcs = nlohmann::json::array();
  for (const auto& c : a.convs)
    convs.push_back({{"name", c.name}, {"out", c.out}, {"kernel", c.kernel}, {"stride", c.stride},
                     {"pad", c.pad}, {"pad_end", c.pad_end}, {"groups", c.groups},
                     {"lrn", c.lrn && a.options.lrn}, {"pool", c.pool}});
  for (const auto& f : a.fcs)
    fcs.push_back({{"name", f.name}, {"out", a.fc_out(f)}, {"hidden", f.hidden}});
  return {
      {"name", a.name},
      {"classes", a.classes},
      {"in_channels", a.in_channels},
      {"in_size", a.in_size},
      {"activation", activation_name(a.options.activation)},
      {"lrn", a.options.lrn},
      {"pool", a.options.pool == PoolKind::Overlap ? "overlap" : "plain"},
      {"pool_kernel", a.pool_kernel()},
      {"pool_stride", a.pool_stride()},
      {"dropout", a.options.dropout},
      {"half_width", a.options.half_width},
      // The paper's formula: alpha is NOT divided by size (PyTorch's LocalResponseNorm divides,
      // so pass alpha * size to it).
      {"lrn_params", {{"size", a.lrn.size}, {"k", a.lrn.k}, {"alpha", a.lrn.alpha}, {"beta", a.lrn.beta},
                      {"alpha_divided_by_size", false}}},
      {"convs", convs},
      {"fcs", fcs},
  };
}

Arch arch_from_json(const nlohmann::json& j) {
  try {
    ArchOptions options;
    options.activation = j.at("activation").get<std::string>() == "tanh" ? Activation::Tanh : Activation::Relu;
    options.lrn = j.at("lrn").get<bool>();
    options.pool = j.at("pool").get<std::string>() == "plain" ? PoolKind::Plain : PoolKind::Overlap;
    options.dropout = j.at("dropout").get<float>();
    options.half_width = j.value("half_width", false);  // absent before the ablations existed
    // Integers only (checkpoint_json.h); and an input size no image we load exceeds, so the layer
    // size arithmetic in make_arch cannot overflow an int (a header saying 2147483647 did).
    const int in_size = json_integer<int>(j.at("in_size"));
    if (in_size < 1 || in_size > kMaxInputSize)
      throw std::invalid_argument("architecture description: in_size " + std::to_string(in_size) +
                                  " is outside [1, " + std::to_string(kMaxInputSize) + "]");
    return make_arch(j.at("name").get<std::string>(), json_integer<int>(j.at("classes")),
                     json_integer<int>(j.at("in_channels")), in_size, options);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("architecture description is incomplete: ") + e.what());
  }
}

}  // namespace alexnet
