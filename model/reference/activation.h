// Elementwise activations; any shape, so every buffer is just (count). Both backward passes take
// the forward OUTPUT y, not the input: it is what the GPU keeps (ReLU runs in place), and it is
// enough because relu'(x) = [y > 0] and tanh'(x) = 1 - y^2.
#pragma once

#include <span>
#include <vector>

namespace alexnet {

// The nonlinearity after every convolution and hidden fully connected layer: the paper's ReLU, or
// tanh for its ReLU-vs-tanh comparison. Defined here, at the lowest level, so that the
// architecture, the layers, the GPU ops and the reference all name it with this one enum.
enum class Activation { Relu, Tanh };

// "relu" or "tanh": how checkpoints, the command line and verify's check names spell it. Inline,
// so that readers of checkpoints need only this header, not the reference library.
inline const char* activation_name(Activation activation) {
  return activation == Activation::Relu ? "relu" : "tanh";
}

}  // namespace alexnet

namespace alexnet::ref {

// x: (count) -> y: (count), y = max(x, 0)
template <class T> std::vector<T> relu_forward(std::span<const T> x);

// y: (count) the forward output, dy: (count) -> dx: (count), dx = y > 0 ? dy : 0
// (the gradient at the kink x = 0 is taken as 0)
template <class T> std::vector<T> relu_backward(std::span<const T> y, std::span<const T> dy);

// x: (count) -> y: (count), y = tanh(x)
template <class T> std::vector<T> tanh_forward(std::span<const T> x);

// y: (count) the forward output, dy: (count) -> dx: (count), dx = dy * (1 - y*y)
template <class T> std::vector<T> tanh_backward(std::span<const T> y, std::span<const T> dy);

// The forward and backward of `activation`: relu_* or tanh_* above.
template <class T> std::vector<T> activation_forward(Activation activation, std::span<const T> x);
template <class T>
std::vector<T> activation_backward(Activation activation, std::span<const T> y,
                                   std::span<const T> dy);

}  // namespace alexnet::ref
