// A convolution with its weights and bias: (batch, Cin, H, W) -> (batch, Cout, OH, OW).
#pragma once

#include "model/graph/arch.h"
#include "model/ops/conv2d.h"
#include "model/layers/layer.h"

namespace alexnet::net {

class ConvLayer : public Layer {
 public:
  ConvLayer(vkrt::Context& context, const ConvSpec& spec, Shape3 in, int batch, const Arch& arch,
            Precision precision = Precision::Fp32, GemmPath gemm_path = GemmPath::Auto);
  const std::string& name() const override { return name_; }
  GemmPath gemm_path() const { return op_.path(); }  // the path the op resolved to
  Shape3 output_shape() const override { return out_; }
  void forward(vkrt::Stream& stream, const LayerIO& io) override;
  void backward(vkrt::Stream& stream, const LayerIO& io, bool accumulate) override;
  // backward() in two halves, for callers that send dx elsewhere before the parameter gradients
  // (model/split/split_network.cpp): dx from dy, then the weight and bias gradients. Independent.
  void backward_data(vkrt::Stream& stream, const LayerIO& io);
  void backward_params(vkrt::Stream& stream, const LayerIO& io, bool accumulate);
  std::vector<Parameter*> parameters() override { return {&weight_, &bias_}; }
  double forward_macs_per_sample() const override;
  const ref::Conv2dShape& shape() const { return op_.shape(); }

 private:
  std::string name_;
  Shape3 out_;
  Conv2dOp op_;
  Parameter weight_, bias_;
};

}  // namespace alexnet::net
