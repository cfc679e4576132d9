// Fully connected layer on the GPU, matching model/reference/fc.h: y = x W^T + b with W stored
// (Out, In) row-major. Forward, data gradient and weight gradient are one strided GEMM shader
// (shaders/gemm.comp) specialized three ways; the bias gradient is shaders/bias_grad.comp.
//
// A weight matrix larger than the device's maxStorageBufferRange (fc6's is 144 MiB; Vulkan only
// guarantees 128 MiB, which is what lavapipe offers) is bound as two ranges; more than two such
// ranges throws at construction.
//
// Each call records one dispatch and no barrier: the caller puts stream.barrier() between
// dependent calls.
#pragma once

#include <cstdint>

#include "model/layers/conv2d.h"
#include "model/reference/fc.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class FcOp {
 public:
  // Throws std::invalid_argument for a non-positive size.
  FcOp(vkrt::Context& context, const ref::FcShape& shape);

  // x (N, In), w (Out, In), b (Out) -> y (N, Out)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& w,
               const vkrt::BufferRange& b, const vkrt::BufferRange& y) const;
  // dy (N, Out), w (Out, In) -> dx (N, In)
  void backward_data(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& w,
                     const vkrt::BufferRange& dx) const;
  // dy (N, Out), x (N, In) -> dw (Out, In), summed over the batch; with `accumulate`,
  // dw += that sum (micro-batches) instead of dw = it.
  void backward_weight(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& x,
                       const vkrt::BufferRange& dw, bool accumulate = false) const;
  // dy (N, Out) -> db (Out), summed over the batch; `accumulate` as above.
  void backward_bias(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                     bool accumulate = false) const;

  const ref::FcShape& shape() const { return shape_; }

 private:
  struct AccumulatePush {
    std::uint32_t accumulate;
  };
  ref::FcShape shape_;
  std::uint32_t weight_split_;  // element where a weight-sized range's second binding starts
  GemmTile forward_tile_, data_tile_, weight_tile_;
  vkrt::Kernel forward_;
  vkrt::Kernel backward_data_;
  vkrt::Kernel backward_weight_;
  vkrt::Kernel backward_bias_;
  vkrt::Groups forward_groups_, data_groups_, weight_groups_, bias_groups_;
};

}  // namespace alexnet
