// Local response normalization across channels (the paper's formula). Keeps the normalizer
// `scale` from forward so backward is one pass.
#pragma once

#include "model/ops/lrn.h"
#include "model/layers/layer.h"
#include "runtime/context.h"

namespace alexnet::net {

class LrnLayer : public Layer {
 public:
  // fp16: x, y, dy, dx in 16 bits; the saved scale stays fp32.
  LrnLayer(vkrt::Context& context, std::string name, Shape3 shape, int batch, const ref::LrnParams& params,
           Precision precision = Precision::Fp32)
      : name_(std::move(name)),
        shape_(shape),
        op_(context, ref::Nchw{batch, shape.c, shape.h, shape.w}, params, {}, precision),
        scale_(context.allocator().allocate(shape.count() * batch * sizeof(float), vkrt::Intent::DeviceLocal)) {}
  const std::string& name() const override { return name_; }
  std::size_t state_bytes() const override { return scale_.size(); }
  Shape3 output_shape() const override { return shape_; }
  void forward(vkrt::Stream& stream, const LayerIO& io) override { op_.forward(stream, io.x, io.y, scale_); }
  void backward(vkrt::Stream& stream, const LayerIO& io, bool) override {
    if (io.dx) op_.backward(stream, io.x, io.y, scale_, *io.dy, *io.dx);
  }

 private:
  std::string name_;
  Shape3 shape_;
  LrnOp op_;
  vkrt::Buffer scale_;  // (batch, C, H, W)
};

}  // namespace alexnet::net
