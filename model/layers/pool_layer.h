// Max pooling; forward records each window's argmax so backward routes the gradient to it.
#pragma once

#include "model/ops/maxpool.h"
#include "model/layers/layer.h"
#include "runtime/context.h"

namespace alexnet::net {

class PoolLayer : public Layer {
 public:
  PoolLayer(vkrt::Context& context, std::string name, Shape3 in, int batch, int kernel, int stride,
            Precision precision = Precision::Fp32)
      : name_(std::move(name)),
        op_(context, ref::PoolShape{batch, in.c, in.h, in.w, kernel, stride}, precision),
        out_{in.c, op_.shape().out_h(), op_.shape().out_w()},
        argmax_(context.allocator().allocate(op_.output_count() * sizeof(std::int32_t), vkrt::Intent::DeviceLocal)) {}
  const std::string& name() const override { return name_; }
  std::size_t state_bytes() const override { return argmax_.size(); }
  Shape3 output_shape() const override { return out_; }
  void forward(vkrt::Stream& stream, const LayerIO& io) override { op_.forward(stream, io.x, io.y, argmax_); }
  void backward(vkrt::Stream& stream, const LayerIO& io, bool) override {
    if (io.dx) op_.backward(stream, argmax_, *io.dy, *io.dx);
  }

 private:
  std::string name_;
  MaxPoolOp op_;
  Shape3 out_;
  vkrt::Buffer argmax_;  // (batch, C, OH, OW)
};

}  // namespace alexnet::net
