#include "model/reference/adaptive_avgpool.h"

#include <cstddef>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::count_of;
using detail::require;
using detail::require_size;

void AdaptivePoolShape::validate() const {
  require(n > 0 && c > 0 && h > 0 && w > 0 && out_h > 0 && out_w > 0, "AdaptivePoolShape",
          "sizes must be positive (n=" + std::to_string(n) + ", c=" + std::to_string(c) + ", " + std::to_string(h) +
              "x" + std::to_string(w) + " -> " + std::to_string(out_h) + "x" + std::to_string(out_w) + ")");
}

template <class T>
std::vector<T> adaptive_avgpool_forward(const AdaptivePoolShape& s, std::span<const T> x) {
  s.validate();
  require_size("adaptive_avgpool_forward", "x", x.size(), count_of(s.n, s.c, s.h, s.w));
  std::vector<T> y(count_of(s.n, s.c, s.out_h, s.out_w));
  std::size_t out = 0;
  for (int plane = 0; plane < s.n * s.c; ++plane) {
    const std::size_t base = count_of(plane, s.h, s.w);
    for (int oy = 0; oy < s.out_h; ++oy) {
      const int y0 = adaptive_begin(oy, s.h, s.out_h), y1 = adaptive_end(oy, s.h, s.out_h);
      for (int ox = 0; ox < s.out_w; ++ox) {
        const int x0 = adaptive_begin(ox, s.w, s.out_w), x1 = adaptive_end(ox, s.w, s.out_w);
        double sum = 0;
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = x0; ix < x1; ++ix) sum += static_cast<double>(x[base + count_of(iy, s.w) + ix]);
        y[out++] = static_cast<T>(sum / (double(y1 - y0) * (x1 - x0)));
      }
    }
  }
  return y;
}

template <class T>
std::vector<T> adaptive_avgpool_backward(const AdaptivePoolShape& s, std::span<const T> dy) {
  s.validate();
  require_size("adaptive_avgpool_backward", "dy", dy.size(), count_of(s.n, s.c, s.out_h, s.out_w));
  std::vector<double> acc(count_of(s.n, s.c, s.h, s.w), 0.0);
  std::size_t out = 0;
  for (int plane = 0; plane < s.n * s.c; ++plane) {
    const std::size_t base = count_of(plane, s.h, s.w);
    for (int oy = 0; oy < s.out_h; ++oy) {
      const int y0 = adaptive_begin(oy, s.h, s.out_h), y1 = adaptive_end(oy, s.h, s.out_h);
      for (int ox = 0; ox < s.out_w; ++ox) {
        const int x0 = adaptive_begin(ox, s.w, s.out_w), x1 = adaptive_end(ox, s.w, s.out_w);
        const double share = static_cast<double>(dy[out++]) / (double(y1 - y0) * (x1 - x0));
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = x0; ix < x1; ++ix) acc[base + count_of(iy, s.w) + ix] += share;
      }
    }
  }
  std::vector<T> dx(acc.size());
  for (std::size_t i = 0; i < acc.size(); ++i) dx[i] = static_cast<T>(acc[i]);
  return dx;
}

#define ALEXNET_REF_INSTANTIATE_ADAPTIVE_AVGPOOL(T)                                                       \
  template std::vector<T> adaptive_avgpool_forward<T>(const AdaptivePoolShape&, std::span<const T>);    \
  template std::vector<T> adaptive_avgpool_backward<T>(const AdaptivePoolShape&, std::span<const T>);

ALEXNET_REF_INSTANTIATE_ADAPTIVE_AVGPOOL(float)
ALEXNET_REF_INSTANTIATE_ADAPTIVE_AVGPOOL(double)
#undef ALEXNET_REF_INSTANTIATE_ADAPTIVE_AVGPOOL

}  // namespace alexnet::ref
