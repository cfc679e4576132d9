// Fully connected layer: y = x W^T + b, with W stored (Out, In) row-major as in PyTorch's Linear,
// so row o of W is output unit o's weights. fc6 reads conv5's (N, 256, 6, 6) output as
// (N, 9216) in its NCHW order.
//
// Templates on the element type (float and double are instantiated); sums accumulate in double.
#pragma once

#include <span>
#include <vector>

namespace alexnet::ref {

struct FcShape { int n, in, out; };  // all must be positive

// x: (N, In), w: (Out, In), b: (Out) or empty for no bias
// returns y: (N, Out)
template <class T>
std::vector<T> fc_forward(const FcShape& s, std::span<const T> x, std::span<const T> w,
                          std::span<const T> b);

// dy: (N, Out), w: (Out, In)
// returns dx: (N, In)
template <class T>
std::vector<T> fc_backward_data(const FcShape& s, std::span<const T> dy, std::span<const T> w);

// dy: (N, Out), x: (N, In)
// returns dw: (Out, In), summed over the batch
template <class T>
std::vector<T> fc_backward_weight(const FcShape& s, std::span<const T> dy, std::span<const T> x);

// dy: (N, Out)
// returns db: (Out), summed over the batch
template <class T>
std::vector<T> fc_backward_bias(const FcShape& s, std::span<const T> dy);

}  // namespace alexnet::ref
