#include "model/reference/maxpool.h"
#include "model/reference/window.h"

#include <cstddef>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::count_of;
using detail::require;
using detail::require_size;

int PoolShape::out_h() const { return window_output_size(h, k, stride); }
int PoolShape::out_w() const { return window_output_size(w, k, stride); }

void PoolShape::validate() const {
  const char* op = "PoolShape";
  require(n > 0 && c > 0 && h > 0 && w > 0, op,
          "input sizes must be positive (n=" + std::to_string(n) + ", c=" + std::to_string(c) +
              ", h=" + std::to_string(h) + ", w=" + std::to_string(w) + ")");
  require(k > 0 && stride > 0, op,
          "k and stride must be positive (k=" + std::to_string(k) +
              ", stride=" + std::to_string(stride) + ")");
  require(k <= h && k <= w, op,
          "window " + std::to_string(k) + " is larger than the input " + std::to_string(h) + "x" +
              std::to_string(w));
}

namespace {

// Flat index into x of the first maximum (row-major, strictly-greater update) of the window
// whose top-left corner is (y0, x0) in the plane starting at `base`.
template <class T>
std::size_t window_argmax(const PoolShape& s, std::span<const T> x, std::size_t base, int y0,
                          int x0) {
  std::size_t best = base + count_of(y0, s.w) + x0;
  for (int ky = 0; ky < s.k; ++ky)
    for (int kx = 0; kx < s.k; ++kx) {
      const std::size_t at = base + count_of(y0 + ky, s.w) + (x0 + kx);
      if (x[at] > x[best]) best = at;
    }
  return best;
}

}  // namespace

template <class T>
std::vector<T> maxpool_forward(const PoolShape& s, std::span<const T> x) {
  s.validate();
  require_size("maxpool_forward", "x", x.size(), count_of(s.n, s.c, s.h, s.w));

  const int oh = s.out_h(), ow = s.out_w();
  std::vector<T> y(count_of(s.n, s.c, oh, ow));
  std::size_t out = 0;
  for (int plane = 0; plane < s.n * s.c; ++plane) {
    const std::size_t base = count_of(plane, s.h, s.w);
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        y[out++] = x[window_argmax(s, x, base, oy * s.stride, ox * s.stride)];
  }
  return y;
}

template <class T>
std::vector<T> maxpool_backward(const PoolShape& s, std::span<const T> x, std::span<const T> dy) {
  const char* op = "maxpool_backward";
  s.validate();
  require_size(op, "x", x.size(), count_of(s.n, s.c, s.h, s.w));
  const int oh = s.out_h(), ow = s.out_w();
  require_size(op, "dy", dy.size(), count_of(s.n, s.c, oh, ow));

  // Scatter into a double buffer: overlapping windows may pick the same element.
  std::vector<double> acc(x.size(), 0.0);
  std::size_t out = 0;
  for (int plane = 0; plane < s.n * s.c; ++plane) {
    const std::size_t base = count_of(plane, s.h, s.w);
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        acc[window_argmax(s, x, base, oy * s.stride, ox * s.stride)] +=
            static_cast<double>(dy[out++]);
  }
  std::vector<T> dx(acc.size());
  for (std::size_t i = 0; i < acc.size(); ++i) dx[i] = static_cast<T>(acc[i]);
  return dx;
}

#define ALEXNET_REF_INSTANTIATE_MAXPOOL(T)                                             \
  template std::vector<T> maxpool_forward<T>(const PoolShape&, std::span<const T>);    \
  template std::vector<T> maxpool_backward<T>(const PoolShape&, std::span<const T>,    \
                                              std::span<const T>);

ALEXNET_REF_INSTANTIATE_MAXPOOL(float)
ALEXNET_REF_INSTANTIATE_MAXPOOL(double)
#undef ALEXNET_REF_INSTANTIATE_MAXPOOL

}  // namespace alexnet::ref
