// The paper's SGD with momentum and weight decay (section 5), in place and elementwise:
//
//   v = momentum * v - weight_decay * lr * w - lr * g
//   w = w + v
//
// Note the decay is scaled by lr (the paper's form), unlike PyTorch's SGD, which adds
// weight_decay * w to g and uses v = momentum * v + g; w -= lr * v.
#pragma once

#include <span>

namespace alexnet::ref {

// w: (count) weights, updated; v: (count) momentum, updated; g: (count) gradient.
// Computed in T, left to right exactly as written above (v is rounded to T before w += v), so a
// float shader with the same operation order matches up to FMA contraction.
// Throws std::invalid_argument if the three sizes differ.
template <class T>
void sgd_momentum_update(std::span<T> w, std::span<T> v, std::span<const T> g, T lr, T momentum,
                         T weight_decay);

}  // namespace alexnet::ref
