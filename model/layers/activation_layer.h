// ReLU or tanh, in place: backward reads only the output, so the input buffer is reused.
#pragma once

#include "model/ops/activation.h"
#include "model/layers/layer.h"

namespace alexnet::net {

class ActivationLayer : public Layer {
 public:
  ActivationLayer(vkrt::Context& context, std::string name, Activation kind, Shape3 shape,
                  Precision precision = Precision::Fp32)
      : name_(std::move(name)), shape_(shape), op_(context, kind, 0, precision) {}
  const std::string& name() const override { return name_; }
  Shape3 output_shape() const override { return shape_; }
  bool in_place() const override { return true; }
  void forward(vkrt::Stream& stream, const LayerIO& io) override {
    op_.forward(stream, io.x, io.y, count(io));
  }
  void backward(vkrt::Stream& stream, const LayerIO& io, bool) override {
    op_.backward(stream, io.y, *io.dy, *io.dx, count(io));
  }

 private:
  std::uint32_t count(const LayerIO& io) const { return static_cast<std::uint32_t>(shape_.count() * io.batch); }
  std::string name_;
  Shape3 shape_;
  ActivationOp op_;
};

}  // namespace alexnet::net
