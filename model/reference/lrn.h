// Local response normalisation across channels, the paper's formula (section 3.3):
//
//   b_i = a_i / s_i^beta,   s_i = k + alpha * sum_{j=max(0, i-size/2)}^{min(C-1, i+size/2)} a_j^2
//
// per (n, y, x), with i, j channel indices. alpha is NOT divided by size: Caffe and PyTorch's
// LocalResponseNorm divide it, so to compare with them pass alpha_theirs / size here. The paper's
// constants are the defaults: size 5, k 2, alpha 1e-4, beta 0.75.
//
// Templates on the element type (float and double are instantiated); the window sums and the
// powers are computed in double.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace alexnet::ref {

// size must be odd and positive (the window is centred: size/2 channels on each side), k > 0 and
// alpha >= 0 (so s_i >= k > 0 and the power is defined); otherwise the ops throw
// std::invalid_argument.
struct LrnParams { int size = 5; double k = 2.0, alpha = 1e-4, beta = 0.75; };

// A plain NCHW tensor shape; all sizes must be positive.
struct Nchw {
  int n, c, h, w;
  std::size_t count() const;  // n * c * h * w
};

// x: (N, C, H, W) -> y: (N, C, H, W)
template <class T>
std::vector<T> lrn_forward(const Nchw& s, const LrnParams& p, std::span<const T> x);

// x: (N, C, H, W) the forward input, dy: (N, C, H, W) -> dx: (N, C, H, W)
//   dx_i = dy_i * s_i^-beta
//          - 2 * alpha * beta * a_i * sum_{j : |i-j| <= size/2} dy_j * a_j * s_j^(-beta-1)
// (the window relation is symmetric, so j ranges over the channels whose window contains i).
template <class T>
std::vector<T> lrn_backward(const Nchw& s, const LrnParams& p, std::span<const T> x,
                            std::span<const T> dy);

}  // namespace alexnet::ref
