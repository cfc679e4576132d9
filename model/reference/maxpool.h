// Max pooling, NCHW, square k x k windows, no padding, floor output size:
//   out = (in - k) / stride + 1
// (trailing rows/columns that do not fill a whole window are not read). The paper pools 3x3 with
// stride 2 ("overlapping pooling"), so windows share their border elements.
//
// TIE RULE: each window sends its gradient to exactly ONE element, the FIRST maximum in row-major
// scan order of the window (top row first, left to right), i.e. the running maximum is replaced
// only by a strictly greater value. With overlapping windows an element may be the chosen maximum
// of several windows; its dx is the sum of their dy. The GPU backward must use the same rule,
// otherwise inputs with repeated values (ReLU zeros are common) give different gradients.
//
// Templates on the element type (float and double are instantiated); dx sums in double.
#pragma once

#include <span>
#include <vector>

namespace alexnet::ref {

struct PoolShape {
  int n, c, h, w;   // input (N, C, H, W)
  int k, stride;    // k x k window moved by stride in both directions
  int out_h() const;  // (h - k) / stride + 1
  int out_w() const;  // (w - k) / stride + 1
  // Throws std::invalid_argument unless all sizes are positive and k <= h, k <= w.
  void validate() const;
};

// x: (N, C, H, W) -> y: (N, C, OH, OW)
template <class T>
std::vector<T> maxpool_forward(const PoolShape& s, std::span<const T> x);

// x: (N, C, H, W) the forward input, dy: (N, C, OH, OW) -> dx: (N, C, H, W)
// The argmax is recomputed from x with the tie rule above.
template <class T>
std::vector<T> maxpool_backward(const PoolShape& s, std::span<const T> x, std::span<const T> dy);

}  // namespace alexnet::ref
