// Allocating a layer's parameters: value, gradient and momentum, device-local.
#pragma once

#include "model/layers/layer.h"
#include "runtime/context.h"

namespace alexnet::net {

Parameter make_parameter(vkrt::Context& context, std::string name, std::vector<int> shape, float init_std,
                         float init_value, float weight_decay_mult);

}  // namespace alexnet::net
