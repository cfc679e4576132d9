#include "model/reference/fc.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::count_of;
using detail::require;
using detail::require_size;

namespace {

void validate(const char* op, const FcShape& s) {
  require(s.n > 0 && s.in > 0 && s.out > 0, op,
          "sizes must be positive (n=" + std::to_string(s.n) + ", in=" + std::to_string(s.in) +
              ", out=" + std::to_string(s.out) + ")");
}

// out[r, i] = sum over t < terms, in order, of coef(r, t) * row(t)[i] for i < width, one double
// sum per element: fc's data gradient (r = sample, t = output unit, rows of w) and its weight
// gradient (r = output unit, t = sample, rows of x). Row at a time so that the inner loop walks a
// row and acc contiguously (fc6's W is 4096 x 9216).
template <class T, class Coef, class Row>
std::vector<T> weighted_row_sums(int out_rows, int terms, int width, Coef coef, Row row) {
  std::vector<T> out(count_of(out_rows, width));
  std::vector<double> acc(static_cast<std::size_t>(width));
  for (int r = 0; r < out_rows; ++r) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int t = 0; t < terms; ++t) {
      const double d = coef(r, t);
      const T* src = row(t);
      for (int i = 0; i < width; ++i) acc[i] += d * static_cast<double>(src[i]);
    }
    for (int i = 0; i < width; ++i) out[count_of(r, width) + i] = static_cast<T>(acc[i]);
  }
  return out;
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

  // dx[n] = sum over o of dy[n, o] * w[o].
  const auto coef = [&](int n, int o) { return static_cast<double>(dy[count_of(n, s.out) + o]); };
  return weighted_row_sums<T>(s.n, s.out, s.in, coef, [&](int o) { return &w[count_of(o, s.in)]; });
}

template <class T>
std::vector<T> fc_backward_weight(const FcShape& s, std::span<const T> dy, std::span<const T> x) {
  const char* op = "fc_backward_weight";
  validate(op, s);
  require_size(op, "dy", dy.size(), count_of(s.n, s.out));
  require_size(op, "x", x.size(), count_of(s.n, s.in));

  // dw[o] = sum over n of dy[n, o] * x[n].
  const auto coef = [&](int o, int n) { return static_cast<double>(dy[count_of(n, s.out) + o]); };
  return weighted_row_sums<T>(s.out, s.n, s.in, coef, [&](int n) { return &x[count_of(n, s.in)]; });
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
