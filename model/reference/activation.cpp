#include "model/reference/activation.h"

#include <cmath>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::require_size;

template <class T> std::vector<T> relu_forward(std::span<const T> x) {
  std::vector<T> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
  return y;
}

template <class T> std::vector<T> relu_backward(std::span<const T> y, std::span<const T> dy) {
  require_size("relu_backward", "dy", dy.size(), y.size());
  std::vector<T> dx(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
  return dx;
}

template <class T> std::vector<T> tanh_forward(std::span<const T> x) {
  std::vector<T> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = static_cast<T>(std::tanh(static_cast<double>(x[i])));
  return y;
}

template <class T> std::vector<T> tanh_backward(std::span<const T> y, std::span<const T> dy) {
  require_size("tanh_backward", "dy", dy.size(), y.size());
  std::vector<T> dx(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double yi = static_cast<double>(y[i]);
    dx[i] = static_cast<T>(static_cast<double>(dy[i]) * (1.0 - yi * yi));
  }
  return dx;
}

template <class T> std::vector<T> activation_forward(Activation activation, std::span<const T> x) {
  return activation == Activation::Relu ? relu_forward(x) : tanh_forward(x);
}

template <class T>
std::vector<T> activation_backward(Activation activation, std::span<const T> y,
                                   std::span<const T> dy) {
  return activation == Activation::Relu ? relu_backward(y, dy) : tanh_backward(y, dy);
}

#define ALEXNET_REF_INSTANTIATE_ACTIVATION(T)                                       \
  template std::vector<T> relu_forward<T>(std::span<const T>);                      \
  template std::vector<T> relu_backward<T>(std::span<const T>, std::span<const T>); \
  template std::vector<T> tanh_forward<T>(std::span<const T>);                      \
  template std::vector<T> tanh_backward<T>(std::span<const T>, std::span<const T>); \
  template std::vector<T> activation_forward<T>(Activation, std::span<const T>);    \
  template std::vector<T> activation_backward<T>(Activation, std::span<const T>,    \
                                                 std::span<const T>);

ALEXNET_REF_INSTANTIATE_ACTIVATION(float)
ALEXNET_REF_INSTANTIATE_ACTIVATION(double)
#undef ALEXNET_REF_INSTANTIATE_ACTIVATION

}  // namespace alexnet::ref
