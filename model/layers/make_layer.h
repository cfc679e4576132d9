// The layer for one node of an architecture's walk (model/graph/arch.h), at micro-batch `batch`:
// the one place node kinds become layer objects, for the one-device network and the two-device
// halves alike (a half passes its node with half the channels or units).
#pragma once

#include "model/ops/gemm/gemm_path.h"
#include "model/ops/precision.h"

#include <memory>

#include "model/graph/arch.h"
#include "model/layers/layer.h"

namespace vkrt {
class Context;
}

namespace alexnet::net {

// `precision`: the storage of activations and their gradients (model/ops/precision.h); fp16 has no
// adaptive-average-pool variant yet, so an arch with one is std::invalid_argument at fp16.
// `gemm_path`: how the convolutions and fully connected layers run their products (Auto: the
// device's default; a path the device or layer cannot take is the op's std::invalid_argument).
std::unique_ptr<Layer> make_layer(vkrt::Context& context, const Arch& arch, const ArchNode& node, int batch,
                                  Precision precision = Precision::Fp32, GemmPath gemm_path = GemmPath::Auto);

}  // namespace alexnet::net
