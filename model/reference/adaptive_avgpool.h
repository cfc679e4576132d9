// Adaptive average pooling, NCHW (PyTorch's AdaptiveAvgPool2d): the input plane is cut into an
// OH x OW grid of windows whatever its size, output (oy, ox) averaging the rows
// [floor(oy * H / OH), ceil((oy + 1) * H / OH)) and the columns likewise. Windows may overlap by
// one row or column (H not a multiple of OH) or repeat an element (H < OH); when H == OH and
// W == OW every window is one element and the op is the identity. torchvision's AlexNet pools
// conv5's output to 6x6 this way before the classifier, so any input size reaches fc6.
//
// Templates on the element type (float and double are instantiated); sums in double.
#pragma once

#include <span>
#include <vector>

namespace alexnet::ref {

struct AdaptivePoolShape {
  int n, c, h, w;     // input (N, C, H, W)
  int out_h, out_w;   // output (N, C, OH, OW)
  // Throws std::invalid_argument unless every size is positive.
  void validate() const;
};

// The window of output index i along an axis of `in` elements cut into `out`: [begin, end).
constexpr int adaptive_begin(int i, int in, int out) { return static_cast<int>((long long)i * in / out); }
constexpr int adaptive_end(int i, int in, int out) {
  return static_cast<int>(((long long)(i + 1) * in + out - 1) / out);
}

// x: (N, C, H, W) -> y: (N, C, OH, OW)
template <class T>
std::vector<T> adaptive_avgpool_forward(const AdaptivePoolShape& s, std::span<const T> x);

// dy: (N, C, OH, OW) -> dx: (N, C, H, W): each window's dy spread evenly over its elements
// (summed where windows overlap).
template <class T>
std::vector<T> adaptive_avgpool_backward(const AdaptivePoolShape& s, std::span<const T> dy);

}  // namespace alexnet::ref
