// A fully connected layer: (batch, in) -> (batch, out), weights (out, in) as in PyTorch.
#pragma once

#include "model/graph/arch.h"
#include "model/ops/fc.h"
#include "model/layers/layer.h"

namespace alexnet::net {

class FcLayer : public Layer {
 public:
  FcLayer(vkrt::Context& context, const std::string& name, int in, int out, int batch, float weight_std,
          float bias_init, Precision precision = Precision::Fp32, GemmPath gemm_path = GemmPath::Auto);
  const std::string& name() const override { return name_; }
  GemmPath gemm_path() const { return op_.path(); }  // the path the op resolved to
  Shape3 output_shape() const override { return {out_, 1, 1}; }
  void forward(vkrt::Stream& stream, const LayerIO& io) override;
  void backward(vkrt::Stream& stream, const LayerIO& io, bool accumulate) override;
  // backward() in two halves, for callers that send dx elsewhere before the parameter gradients
  // (model/split/split_network.cpp): dx from dy, then the weight and bias gradients. Independent.
  void backward_data(vkrt::Stream& stream, const LayerIO& io);
  void backward_params(vkrt::Stream& stream, const LayerIO& io, bool accumulate);
  std::vector<Parameter*> parameters() override { return {&weight_, &bias_}; }
  double forward_macs_per_sample() const override { return double(in_) * out_; }

 private:
  std::string name_;
  int in_, out_;
  FcOp op_;
  Parameter weight_, bias_;
};

}  // namespace alexnet::net
