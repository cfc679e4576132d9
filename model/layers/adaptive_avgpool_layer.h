// Adaptive average pooling of a block's maps to a fixed out x out grid (torchvision's avgpool
// before its classifier). It keeps nothing for backward: the windows depend only on the sizes.
#pragma once

#include "model/layers/layer.h"
#include "model/ops/adaptive_avgpool.h"

namespace alexnet::net {

class AdaptiveAvgPoolLayer : public Layer {
 public:
  AdaptiveAvgPoolLayer(vkrt::Context& context, std::string name, Shape3 in, Shape3 out, int batch,
                       Precision precision = Precision::Fp32)
      : name_(std::move(name)),
        op_(context, ref::AdaptivePoolShape{batch, in.c, in.h, in.w, out.h, out.w}, precision),
        out_(out) {}
  const std::string& name() const override { return name_; }
  Shape3 output_shape() const override { return out_; }
  void forward(vkrt::Stream& stream, const LayerIO& io) override { op_.forward(stream, io.x, io.y); }
  void backward(vkrt::Stream& stream, const LayerIO& io, bool) override {
    if (io.dx) op_.backward(stream, *io.dy, *io.dx);
  }

 private:
  std::string name_;
  AdaptiveAvgPoolOp op_;
  Shape3 out_;
};

}  // namespace alexnet::net
