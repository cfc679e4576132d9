// Elementwise activations on the GPU: ReLU (the paper's) and tanh (for its ReLU-vs-tanh result).
// Both backward passes read the forward OUTPUT, so the input buffer may be overwritten in place.
#pragma once

#include <cstdint>

#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

enum class Activation { Relu, Tanh };

class ActivationOp {
 public:
  ActivationOp(vkrt::Context& context, Activation kind);

  // x, y: (count)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
               std::uint32_t count) const;
  // y, dy, dx: (count)
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& y, const vkrt::BufferRange& dy,
                const vkrt::BufferRange& dx, std::uint32_t count) const;

 private:
  struct Push {
    std::uint32_t count;
  };
  vkrt::Kernel forward_;
  vkrt::Kernel backward_;
};

}  // namespace alexnet
