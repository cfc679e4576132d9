// 2-D convolution (cross-correlation, as in cuda-convnet, Caffe and PyTorch: the kernel is not
// flipped), NCHW, grouped, with separate leading and trailing zero padding.
//
// Grouping: input channels and output channels are split into `groups` equal consecutive blocks;
// output block g reads only input block g. groups=2 is the paper's two-GPU split of conv2/4/5.
//
// Padding: `pad` zeros go before the first row/column (top, left), `pad_end` after the last
// (bottom, right). A symmetric pad p therefore needs pad = pad_end = p. The asymmetric form exists
// for the paper's 224x224 input: conv1 (11x11, stride 4) with pad 0, pad_end 3 gives 55x55, which
// is cuda-convnet's output-size rule written as explicit padding.
//
// All functions are templates on the element type (float and double are instantiated); every sum
// is accumulated in double whatever T is.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace alexnet::ref {

struct Conv2dShape {
  int n, c_in, h, w;        // input (N, Cin, H, W)
  int c_out, kh, kw;        // weights (Cout, Cin/groups, KH, KW)
  int stride = 1;
  int pad = 0;              // zero padding before (top and left)
  int pad_end = 0;          // zero padding after (bottom and right)
  int groups = 1;
  int out_h() const;        // (h + pad + pad_end - kh) / stride + 1
  int out_w() const;        // (w + pad + pad_end - kw) / stride + 1
  // Throws std::invalid_argument unless all sizes, the stride and groups are positive, the pads
  // are non-negative, c_in and c_out are divisible by groups, and the padded input is at least
  // as large as the kernel (so out_h, out_w >= 1).
  void validate() const;
};

// x: (N, Cin, H, W), w: (Cout, Cin/G, KH, KW), b: (Cout) or empty for no bias
// returns y: (N, Cout, OH, OW)
template <class T>
std::vector<T> conv2d_forward(const Conv2dShape& s, std::span<const T> x, std::span<const T> w,
                              std::span<const T> b);

// dy: (N, Cout, OH, OW), w: (Cout, Cin/G, KH, KW)
// returns dx: (N, Cin, H, W)   (padding positions get no gradient; they are not inputs)
template <class T>
std::vector<T> conv2d_backward_data(const Conv2dShape& s, std::span<const T> dy,
                                    std::span<const T> w);

// dy: (N, Cout, OH, OW), x: (N, Cin, H, W)
// returns dw: (Cout, Cin/G, KH, KW), summed over the batch
template <class T>
std::vector<T> conv2d_backward_weight(const Conv2dShape& s, std::span<const T> dy,
                                      std::span<const T> x);

// dy: (N, Cout, OH, OW)
// returns db: (Cout), summed over the batch and all output positions
template <class T>
std::vector<T> conv2d_backward_bias(const Conv2dShape& s, std::span<const T> dy);

}  // namespace alexnet::ref
