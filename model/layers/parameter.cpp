#include "model/layers/parameter.h"

#include "runtime/memory.h"

namespace alexnet::net {

Parameter make_parameter(vkrt::Context& context, std::string name, std::vector<int> shape, float init_std,
                         float init_value, float weight_decay_mult) {
  Parameter p;
  p.name = std::move(name);
  p.shape = std::move(shape);
  p.count = 1;
  for (int d : p.shape) p.count *= static_cast<std::size_t>(d);
  p.init_std = init_std;
  p.init_value = init_value;
  p.weight_decay_mult = weight_decay_mult;
  auto& allocator = context.allocator();
  p.value = allocator.allocate(p.count * sizeof(float), vkrt::Intent::DeviceLocal);
  p.grad = allocator.allocate(p.count * sizeof(float), vkrt::Intent::DeviceLocal);
  p.momentum = allocator.allocate(p.count * sizeof(float), vkrt::Intent::DeviceLocal);
  return p;
}

}  // namespace alexnet::net
