#include "model/reference/fc.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::require_size;
using detail::count_of;
using detail::require;

namespace {

void validate(const char* op, const FcShape& s) {
  require(s.n > 0 && s.in > 0 && s.out > 0, op,
          "sizes must be positive (n=" + std::to_string(s.n) + ", in=" + std::to_string(s.in) +
              ", out=" + std::to_string(s.out) + ")");
}

}  // namespace

template <class T>
std::vector<T> fc_forward(const FcShape& s, std::span<const T> x, std::span<const T> w,
                          std::span<const T> b) {
  const char* op = "fc_forward";
  validate(op, s);
  require_size(op, "x", x.size(), count_of(s.n, s.in));
  require_size(op, "w", w.size(), count_of(s.out, s.in));
  if (!b.empty()) require_size(op, "b", b.size(), static_cast<std::size_t>(s.out));

  std::vector<T> y(count_of(s.n, s.out));
  for (int n = 0; n < s.n; ++n) {
    const T* xr = &x[count_of(n, s.in)];
    for (int o = 0; o < s.out; ++o) {
      const T* wr = &w[count_of(o, s.in)];
      double acc = 0.0;
      for (int i = 0; i < s.in; ++i) acc += static_cast<double>(xr[i]) * static_cast<double>(wr[i]);
      if (!b.empty()) acc += static_cast<double>(b[o]);
      y[count_of(n, s.out) + o] = static_cast<T>(acc);
    }
  }
  return y;
}

template <class T>
std::vector<T> fc_backward_data(const FcShape& s, std::span<const T> dy, std::span<const T> w) {
  const char* op = "fc_backward_data";
  validate(op, s);
  require_size(op, "dy", dy.size(), count_of(s.n, s.out));
  require_size(op, "w", w.size(), count_of(s.out, s.in));

  // Row-at-a-time so the inner loop walks w and acc contiguously (fc6's W is 4096 x 9216); each
  // dx element is still one double sum over o in order.
  std::vector<T> dx(count_of(s.n, s.in));
  std::vector<double> acc(static_cast<std::size_t>(s.in));
  for (int n = 0; n < s.n; ++n) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int o = 0; o < s.out; ++o) {
      const double d = static_cast<double>(dy[count_of(n, s.out) + o]);
      const T* wr = &w[count_of(o, s.in)];
      for (int i = 0; i < s.in; ++i) acc[i] += d * static_cast<double>(wr[i]);
    }
    for (int i = 0; i < s.in; ++i) dx[count_of(n, s.in) + i] = static_cast<T>(acc[i]);
  }
  return dx;
}

template <class T>
std::vector<T> fc_backward_weight(const FcShape& s, std::span<const T> dy, std::span<const T> x) {
  const char* op = "fc_backward_weight";
  validate(op, s);
  require_size(op, "dy", dy.size(), count_of(s.n, s.out));
  require_size(op, "x", x.size(), count_of(s.n, s.in));

  // Same contiguous-row order as fc_backward_data; each dw element is one double sum over n.
  std::vector<T> dw(count_of(s.out, s.in));
  std::vector<double> acc(static_cast<std::size_t>(s.in));
  for (int o = 0; o < s.out; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int n = 0; n < s.n; ++n) {
      const double d = static_cast<double>(dy[count_of(n, s.out) + o]);
      const T* xr = &x[count_of(n, s.in)];
      for (int i = 0; i < s.in; ++i) acc[i] += d * static_cast<double>(xr[i]);
    }
    for (int i = 0; i < s.in; ++i) dw[count_of(o, s.in) + i] = static_cast<T>(acc[i]);
  }
  return dw;
}

template <class T>
std::vector<T> fc_backward_bias(const FcShape& s, std::span<const T> dy) {
  const char* op = "fc_backward_bias";
  validate(op, s);
  require_size(op, "dy", dy.size(), count_of(s.n, s.out));

  std::vector<T> db(static_cast<std::size_t>(s.out));
  for (int o = 0; o < s.out; ++o) {
    double acc = 0.0;
    for (int n = 0; n < s.n; ++n) acc += static_cast<double>(dy[count_of(n, s.out) + o]);
    db[o] = static_cast<T>(acc);
  }
  return db;
}

#define ALEXNET_REF_INSTANTIATE_FC(T)                                                         \
  template std::vector<T> fc_forward<T>(const FcShape&, std::span<const T>, std::span<const T>, \
                                        std::span<const T>);                                   \
  template std::vector<T> fc_backward_data<T>(const FcShape&, std::span<const T>,              \
                                              std::span<const T>);                             \
  template std::vector<T> fc_backward_weight<T>(const FcShape&, std::span<const T>,            \
                                                std::span<const T>);                           \
  template std::vector<T> fc_backward_bias<T>(const FcShape&, std::span<const T>);

ALEXNET_REF_INSTANTIATE_FC(float)
ALEXNET_REF_INSTANTIATE_FC(double)
#undef ALEXNET_REF_INSTANTIATE_FC

}  // namespace alexnet::ref
