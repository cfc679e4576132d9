// ReLU and tanh, forward and backward, against model/reference/activation.h.
#include <sstream>

#include "model/ops/activation.h"
#include "model/reference/activation.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

struct ActivationCase {
  std::size_t count;
  bool in_place = false;    // forward writes over x, backward over dy (as the network calls them)
  std::uint64_t chunk = 0;  // ActivationOp's elements-per-dispatch cap (0: the device limits)
};

std::string describe(const ActivationCase& c) {
  std::ostringstream s;
  s << "count " << c.count;
  if (c.in_place) s << " in place";
  if (c.chunk) s << " chunk " << c.chunk;
  return s.str();
}

CheckResult check_activation(vkrt::Context& context, Activation kind, bool backward, const ActivationCase& c) {
  const std::string name = activation_name(kind);
  const std::string shape = describe(c);
  const std::size_t count = c.count;
  const auto x = random_away_from_zero(count, 11, 1e-3f);
  const auto dy = random_uniform(count, 12);
  const auto y_ref = ref::activation_forward<float>(kind, x);

  GpuScratch gpu(context);
  ActivationOp op(context, kind, c.chunk);
  const auto n = static_cast<std::uint32_t>(count);
  if (!backward) {
    const auto& x_gpu = gpu.input(x);
    const auto& y_gpu = c.in_place ? x_gpu : gpu.output(count);
    gpu.run([&](vkrt::Stream& s) { op.forward(s, x_gpu, y_gpu, n); });
    return compare(name + ".forward", shape, gpu.read(y_gpu), y_ref, kElementwiseTolerance);
  }
  // Backward reads the reference forward output so that only the backward shader is under test.
  const auto& y_in = gpu.input(y_ref);
  const auto& dy_gpu = gpu.input(dy);
  const auto& dx_gpu = c.in_place ? dy_gpu : gpu.output(count);
  gpu.run([&](vkrt::Stream& s) { op.backward(s, y_in, dy_gpu, dx_gpu, n); });
  return compare(name + ".backward", shape, gpu.read(dx_gpu), ref::activation_backward<float>(kind, y_ref, dy),
                 kElementwiseTolerance);
}

}  // namespace

void add_activation_checks(std::vector<Check>& checks) {
  const ActivationCase cases[] = {
      // 1, 2, 3 are a partial texel alone; 4 one full texel; 67 a partial texel after full ones;
      // 96x55x55x2 is conv1's output at batch 2.
      {1}, {2}, {3}, {4}, {67}, {2 * 96 * 55 * 55},
      // In place, as the network runs it; a partial texel after more texels than one workgroup.
      {1030, true},
      // Cut into dispatches of 1000 elements (as a tensor past a binding's limits is), the last
      // one ending in a partial texel.
      {10007, false, 1000},
  };
  for (Activation kind : {Activation::Relu, Activation::Tanh})
    for (bool backward : {false, true})
      for (const ActivationCase& c : cases) {
        const std::string name = std::string(activation_name(kind)) + (backward ? ".backward" : ".forward");
        checks.push_back({name, describe(c), [=](vkrt::Context& context) {
                            return check_activation(context, kind, backward, c);
                          }});
      }
}

}  // namespace alexnet::verify
