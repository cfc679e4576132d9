#include "model/reference/lrn.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::count_of;
using detail::require;
using detail::require_size;

std::size_t Nchw::count() const { return count_of(n, c, h, w); }

namespace {

void validate(const char* op, const Nchw& s, const LrnParams& p) {
  require(s.n > 0 && s.c > 0 && s.h > 0 && s.w > 0, op,
          "sizes must be positive (n=" + std::to_string(s.n) + ", c=" + std::to_string(s.c) +
              ", h=" + std::to_string(s.h) + ", w=" + std::to_string(s.w) + ")");
  require(p.size > 0 && p.size % 2 == 1, op,
          "size must be odd and positive, got " + std::to_string(p.size));
  require(p.k > 0.0 && p.alpha >= 0.0, op,
          "need k > 0 and alpha >= 0, got k=" + std::to_string(p.k) +
              ", alpha=" + std::to_string(p.alpha));
}

// s_j = k + alpha * (sum of a^2 over the window of j) for every channel j of one (n, y, x)
// column, read with stride `plane` starting at x[base].
template <class T>
void window_scale(const LrnParams& p, std::span<const T> x, std::size_t base, std::size_t plane,
                  int channels, std::vector<double>& scale) {
  const int half = p.size / 2;
  for (int j = 0; j < channels; ++j) {
    double sum = 0.0;
    for (int m = std::max(0, j - half); m <= std::min(channels - 1, j + half); ++m) {
      const double a = static_cast<double>(x[base + m * plane]);
      sum += a * a;
    }
    scale[j] = p.k + p.alpha * sum;
  }
}

// Calls f(base, plane, scale) for every (n, y, x) column of the tensor: x[base + j * plane] is its
// channel j, scale[j] that channel's window_scale.
template <class T, class F>
void for_each_column(const Nchw& s, const LrnParams& p, std::span<const T> x, F f) {
  const std::size_t plane = count_of(s.h, s.w);
  std::vector<double> scale(static_cast<std::size_t>(s.c));
  for (int n = 0; n < s.n; ++n)
    for (std::size_t pos = 0; pos < plane; ++pos) {
      const std::size_t base = count_of(n, s.c) * plane + pos;
      window_scale(p, x, base, plane, s.c, scale);
      f(base, plane, scale);
    }
}

}  // namespace

template <class T>
std::vector<T> lrn_forward(const Nchw& s, const LrnParams& p, std::span<const T> x) {
  const char* op = "lrn_forward";
  validate(op, s, p);
  require_size(op, "x", x.size(), s.count());

  std::vector<T> y(s.count());
  for_each_column(s, p, x, [&](std::size_t base, std::size_t plane, const auto& scale) {
    for (int i = 0; i < s.c; ++i) {
      const std::size_t at = base + i * plane;
      y[at] = static_cast<T>(static_cast<double>(x[at]) * std::pow(scale[i], -p.beta));
    }
  });
  return y;
}

template <class T>
std::vector<T> lrn_backward(const Nchw& s, const LrnParams& p, std::span<const T> x,
                            std::span<const T> dy) {
  const char* op = "lrn_backward";
  validate(op, s, p);
  require_size(op, "x", x.size(), s.count());
  require_size(op, "dy", dy.size(), s.count());

  const int half = p.size / 2;
  std::vector<T> dx(s.count());
  std::vector<double> t(static_cast<std::size_t>(s.c));  // t_j = dy_j * a_j * s_j^(-beta-1)
  for_each_column(s, p, x, [&](std::size_t base, std::size_t plane, const auto& scale) {
    for (int j = 0; j < s.c; ++j) {
      const std::size_t at = base + j * plane;
      t[j] = static_cast<double>(dy[at]) * static_cast<double>(x[at]) *
             std::pow(scale[j], -p.beta - 1.0);
    }
    for (int i = 0; i < s.c; ++i) {
      double sum = 0.0;
      for (int j = std::max(0, i - half); j <= std::min(s.c - 1, i + half); ++j) sum += t[j];
      const std::size_t at = base + i * plane;
      const double a = static_cast<double>(x[at]);
      dx[at] = static_cast<T>(static_cast<double>(dy[at]) * std::pow(scale[i], -p.beta) -
                              2.0 * p.alpha * p.beta * a * sum);
    }
  });
  return dx;
}

#define ALEXNET_REF_INSTANTIATE_LRN(T)                                                        \
  template std::vector<T> lrn_forward<T>(const Nchw&, const LrnParams&, std::span<const T>);  \
  template std::vector<T> lrn_backward<T>(const Nchw&, const LrnParams&, std::span<const T>,  \
                                          std::span<const T>);

ALEXNET_REF_INSTANTIATE_LRN(float)
ALEXNET_REF_INSTANTIATE_LRN(double)
#undef ALEXNET_REF_INSTANTIATE_LRN

}  // namespace alexnet::ref
