#include "model/reference/conv2d.h"
#include "model/reference/window.h"

#include <algorithm>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

using detail::count_of;
using detail::require;
using detail::require_size;

int Conv2dShape::out_h() const { return window_output_size(h, kh, stride, pad, pad_end); }
int Conv2dShape::out_w() const { return window_output_size(w, kw, stride, pad, pad_end); }

void Conv2dShape::validate() const {
  const char* op = "Conv2dShape";
  require(n > 0 && c_in > 0 && h > 0 && w > 0, op,
          "input sizes must be positive (n=" + std::to_string(n) + ", c_in=" +
              std::to_string(c_in) + ", h=" + std::to_string(h) + ", w=" + std::to_string(w) + ")");
  require(c_out > 0 && kh > 0 && kw > 0, op,
          "c_out, kh and kw must be positive (c_out=" + std::to_string(c_out) +
              ", kh=" + std::to_string(kh) + ", kw=" + std::to_string(kw) + ")");
  require(stride > 0, op, "stride must be positive, got " + std::to_string(stride));
  require(pad >= 0 && pad_end >= 0, op,
          "pads must be non-negative (pad=" + std::to_string(pad) +
              ", pad_end=" + std::to_string(pad_end) + ")");
  require(groups > 0, op, "groups must be positive, got " + std::to_string(groups));
  require(c_in % groups == 0 && c_out % groups == 0, op,
          "c_in=" + std::to_string(c_in) + " and c_out=" + std::to_string(c_out) +
              " must both be divisible by groups=" + std::to_string(groups));
  // Checked before out_h(): C++ division truncates towards zero, so a padded input a little
  // smaller than the kernel would otherwise still report one output row.
  require(h + pad + pad_end >= kh && w + pad + pad_end >= kw, op,
          "kernel " + std::to_string(kh) + "x" + std::to_string(kw) +
              " is larger than the padded input " + std::to_string(h + pad + pad_end) + "x" +
              std::to_string(w + pad + pad_end));
}

namespace {

std::size_t input_count(const Conv2dShape& s) { return count_of(s.n, s.c_in, s.h, s.w); }
std::size_t weight_count(const Conv2dShape& s) {
  return count_of(s.c_out, s.c_in / s.groups, s.kh, s.kw);
}
std::size_t output_count(const Conv2dShape& s) {
  return count_of(s.n, s.c_out, s.out_h(), s.out_w());
}

// Flat offset of (a, b, c, d) in a row-major (A, B, C, D) tensor; A itself is not needed.
std::size_t at(int a, int b, int c, int d, int nb, int nc, int nd) {
  return ((static_cast<std::size_t>(a) * nb + b) * nc + c) * nd + d;
}

// Along one axis, the output positions [lo, hi) whose kernel tap k lands inside the input
// (o * stride - pad + k in [0, in)); the others read that tap from the zero padding.
struct Range {
  int lo, hi;
};
Range outputs_reading_tap(int k, int in, int out, int stride, int pad) {
  Range r{0, out};
  while (r.lo < r.hi && r.lo * stride - pad + k < 0) ++r.lo;
  while (r.hi > r.lo && (r.hi - 1) * stride - pad + k >= in) --r.hi;
  return r;
}

// Along one axis, every (kernel tap, output position) pair that reads input position i:
// o * stride - pad + k == i with 0 <= k < kernel and 0 <= o < out.
struct Tap {
  int k, o;
};
std::vector<std::vector<Tap>> taps_per_input(int in, int kernel, int out, int stride, int pad) {
  std::vector<std::vector<Tap>> taps(static_cast<std::size_t>(in));
  for (int i = 0; i < in; ++i)
    for (int k = 0; k < kernel; ++k) {
      const int offset = i + pad - k;  // = o * stride
      if (offset >= 0 && offset % stride == 0 && offset / stride < out)
        taps[i].push_back({k, offset / stride});
    }
  return taps;
}

}  // namespace

template <class T>
std::vector<T> conv2d_forward(const Conv2dShape& s, std::span<const T> x, std::span<const T> w,
                              std::span<const T> b) {
  const char* op = "conv2d_forward";
  s.validate();
  require_size(op, "x", x.size(), input_count(s));
  require_size(op, "w", w.size(), weight_count(s));
  if (!b.empty()) require_size(op, "b", b.size(), static_cast<std::size_t>(s.c_out));

  const int oh = s.out_h(), ow = s.out_w();
  const int cin_g = s.c_in / s.groups, cout_g = s.c_out / s.groups;
  std::vector<T> y(output_count(s));
  for (int n = 0; n < s.n; ++n)
    for (int co = 0; co < s.c_out; ++co) {
      const int g = co / cout_g;
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          // The window's top-left corner in input coordinates, and the kernel taps that land
          // inside the input; the others read zero padding and contribute nothing.
          const int iy0 = oy * s.stride - s.pad, ix0 = ox * s.stride - s.pad;
          const int ky_lo = std::max(0, -iy0), ky_hi = std::min(s.kh, s.h - iy0);
          const int kx_lo = std::max(0, -ix0), kx_hi = std::min(s.kw, s.w - ix0);
          double acc = 0.0;
          for (int cg = 0; cg < cin_g; ++cg) {
            const int ci = g * cin_g + cg;
            for (int ky = ky_lo; ky < ky_hi; ++ky) {
              const std::size_t x_row = at(n, ci, iy0 + ky, 0, s.c_in, s.h, s.w);
              const std::size_t w_row = at(co, cg, ky, 0, cin_g, s.kh, s.kw);
              for (int kx = kx_lo; kx < kx_hi; ++kx)
                acc += static_cast<double>(x[x_row + (ix0 + kx)]) *
                       static_cast<double>(w[w_row + kx]);
            }
          }
          if (!b.empty()) acc += static_cast<double>(b[co]);
          y[at(n, co, oy, ox, s.c_out, oh, ow)] = static_cast<T>(acc);
        }
    }
  return y;
}

// Written as a gather over dx (not as the transpose of the forward loop) so that each dx element
// is one double sum, and so the central-difference test compares two independently indexed
// formulations.
template <class T>
std::vector<T> conv2d_backward_data(const Conv2dShape& s, std::span<const T> dy,
                                    std::span<const T> w) {
  const char* op = "conv2d_backward_data";
  s.validate();
  require_size(op, "dy", dy.size(), output_count(s));
  require_size(op, "w", w.size(), weight_count(s));

  const int oh = s.out_h(), ow = s.out_w();
  const int cin_g = s.c_in / s.groups, cout_g = s.c_out / s.groups;
  const auto row_taps = taps_per_input(s.h, s.kh, oh, s.stride, s.pad);
  const auto col_taps = taps_per_input(s.w, s.kw, ow, s.stride, s.pad);
  std::vector<T> dx(input_count(s));
  for (int n = 0; n < s.n; ++n)
    for (int ci = 0; ci < s.c_in; ++ci) {
      const int g = ci / cin_g, cg = ci % cin_g;
      for (int iy = 0; iy < s.h; ++iy)
        for (int ix = 0; ix < s.w; ++ix) {
          double acc = 0.0;
          for (int co = g * cout_g; co < (g + 1) * cout_g; ++co) {
            const std::size_t dy_plane = at(n, co, 0, 0, s.c_out, oh, ow);
            const std::size_t w_plane = at(co, cg, 0, 0, cin_g, s.kh, s.kw);
            for (const Tap ty : row_taps[iy])
              for (const Tap tx : col_taps[ix])
                acc += static_cast<double>(dy[dy_plane + count_of(ty.o, ow) + tx.o]) *
                       static_cast<double>(w[w_plane + count_of(ty.k, s.kw) + tx.k]);
          }
          dx[at(n, ci, iy, ix, s.c_in, s.h, s.w)] = static_cast<T>(acc);
        }
    }
  return dx;
}

template <class T>
std::vector<T> conv2d_backward_weight(const Conv2dShape& s, std::span<const T> dy,
                                      std::span<const T> x) {
  const char* op = "conv2d_backward_weight";
  s.validate();
  require_size(op, "dy", dy.size(), output_count(s));
  require_size(op, "x", x.size(), input_count(s));

  const int oh = s.out_h(), ow = s.out_w();
  const int cin_g = s.c_in / s.groups, cout_g = s.c_out / s.groups;
  std::vector<T> dw(weight_count(s));
  for (int co = 0; co < s.c_out; ++co) {
    const int g = co / cout_g;
    for (int cg = 0; cg < cin_g; ++cg) {
      const int ci = g * cin_g + cg;
      for (int ky = 0; ky < s.kh; ++ky) {
        const Range rows = outputs_reading_tap(ky, s.h, oh, s.stride, s.pad);
        for (int kx = 0; kx < s.kw; ++kx) {
          const Range cols = outputs_reading_tap(kx, s.w, ow, s.stride, s.pad);
          double acc = 0.0;
          for (int n = 0; n < s.n; ++n)
            for (int oy = rows.lo; oy < rows.hi; ++oy) {
              const std::size_t dy_row = at(n, co, oy, 0, s.c_out, oh, ow);
              const std::size_t x_row = at(n, ci, oy * s.stride - s.pad + ky, 0, s.c_in, s.h, s.w);
              for (int ox = cols.lo; ox < cols.hi; ++ox)
                acc += static_cast<double>(dy[dy_row + ox]) *
                       static_cast<double>(x[x_row + (ox * s.stride - s.pad + kx)]);
            }
          dw[at(co, cg, ky, kx, cin_g, s.kh, s.kw)] = static_cast<T>(acc);
        }
      }
    }
  }
  return dw;
}

template <class T>
std::vector<T> conv2d_backward_bias(const Conv2dShape& s, std::span<const T> dy) {
  s.validate();
  require_size("conv2d_backward_bias", "dy", dy.size(), output_count(s));

  const std::size_t plane = count_of(s.out_h(), s.out_w());
  std::vector<T> db(static_cast<std::size_t>(s.c_out));
  for (int co = 0; co < s.c_out; ++co) {
    double acc = 0.0;
    for (int n = 0; n < s.n; ++n) {
      const std::size_t base = (static_cast<std::size_t>(n) * s.c_out + co) * plane;
      for (std::size_t i = 0; i < plane; ++i) acc += static_cast<double>(dy[base + i]);
    }
    db[co] = static_cast<T>(acc);
  }
  return db;
}

#define ALEXNET_REF_INSTANTIATE_CONV2D(T)                                                    \
  template std::vector<T> conv2d_forward<T>(const Conv2dShape&, std::span<const T>,           \
                                            std::span<const T>, std::span<const T>);          \
  template std::vector<T> conv2d_backward_data<T>(const Conv2dShape&, std::span<const T>,     \
                                                  std::span<const T>);                        \
  template std::vector<T> conv2d_backward_weight<T>(const Conv2dShape&, std::span<const T>,   \
                                                    std::span<const T>);                      \
  template std::vector<T> conv2d_backward_bias<T>(const Conv2dShape&, std::span<const T>);

ALEXNET_REF_INSTANTIATE_CONV2D(float)
ALEXNET_REF_INSTANTIATE_CONV2D(double)
#undef ALEXNET_REF_INSTANTIATE_CONV2D

}  // namespace alexnet::ref
