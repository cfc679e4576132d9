// The output size of a sliding window (a convolution's kernel, a pooling window) along one
// dimension: the one place this formula lives. Windows start at every stride-th position of the
// padded input and must lie wholly inside it (floor rule); the pads are zeros before and after.
#pragma once

namespace alexnet::ref {

constexpr int window_output_size(int in, int window, int stride, int pad_before = 0, int pad_after = 0) {
  return (in + pad_before + pad_after - window) / stride + 1;
}

}  // namespace alexnet::ref
