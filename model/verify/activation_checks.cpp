// ReLU and tanh, forward and backward, against model/reference/activation.h.
#include "model/layers/activation.h"
#include "model/reference/activation.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

CheckResult check_activation(vkrt::Context& context, Activation kind, bool backward, std::size_t count) {
  const std::string name = kind == Activation::Relu ? "relu" : "tanh";
  const std::string shape = "count " + std::to_string(count);
  const auto x = random_away_from_zero(count, 11, 1e-3f);
  const auto dy = random_uniform(count, 12);
  const auto y_ref = kind == Activation::Relu ? ref::relu_forward<float>(x) : ref::tanh_forward<float>(x);

  GpuScratch gpu(context);
  ActivationOp op(context, kind);
  const auto& x_gpu = gpu.input(x);
  const auto& y_gpu = gpu.output(count);
  if (!backward) {
    gpu.run([&](vkrt::Stream& s) { op.forward(s, x_gpu, y_gpu, static_cast<std::uint32_t>(count)); });
    return compare(name + ".forward", shape, gpu.read(y_gpu), y_ref, kElementwiseTolerance);
  }
  // Backward reads the reference forward output so that only the backward shader is under test.
  const auto& y_in = gpu.input(y_ref);
  const auto& dy_gpu = gpu.input(dy);
  const auto& dx_gpu = gpu.output(count);
  gpu.run([&](vkrt::Stream& s) { op.backward(s, y_in, dy_gpu, dx_gpu, static_cast<std::uint32_t>(count)); });
  const auto dx_ref = kind == Activation::Relu ? ref::relu_backward<float>(y_ref, dy)
                                               : ref::tanh_backward<float>(y_ref, dy);
  return compare(name + ".backward", shape, gpu.read(dx_gpu), dx_ref, kElementwiseTolerance);
}

}  // namespace

void add_activation_checks(std::vector<Check>& checks) {
  // 1 and 67 catch tail handling; 96x55x55x2 is conv1's output at batch 2.
  for (Activation kind : {Activation::Relu, Activation::Tanh})
    for (bool backward : {false, true})
      for (std::size_t count : {std::size_t{1}, std::size_t{67}, std::size_t{2 * 96 * 55 * 55}}) {
        const std::string name = std::string(kind == Activation::Relu ? "relu" : "tanh") +
                                 (backward ? ".backward" : ".forward");
        checks.push_back({name, "count " + std::to_string(count), [=](vkrt::Context& c) {
                            return check_activation(c, kind, backward, count);
                          }});
      }
}

}  // namespace alexnet::verify
