#include "model/reference/sgd.h"

#include "model/reference/require.h"

namespace alexnet::ref {

template <class T>
void sgd_momentum_update(std::span<T> w, std::span<T> v, std::span<const T> g, T lr, T momentum,
                         T weight_decay) {
  const char* op = "sgd_momentum_update";
  detail::require_size(op, "v", v.size(), w.size());
  detail::require_size(op, "g", g.size(), w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    v[i] = momentum * v[i] - weight_decay * lr * w[i] - lr * g[i];
    w[i] = w[i] + v[i];
  }
}

template void sgd_momentum_update<float>(std::span<float>, std::span<float>,
                                         std::span<const float>, float, float, float);
template void sgd_momentum_update<double>(std::span<double>, std::span<double>,
                                          std::span<const double>, double, double, double);

}  // namespace alexnet::ref
