#include "model/layers/fc_layer.h"

#include "model/layers/parameter.h"

namespace alexnet::net {

FcLayer::FcLayer(vkrt::Context& context, const std::string& name, int in, int out, int batch, float weight_std,
                 float bias_init, Precision precision, GemmPath gemm_path)
    : name_(name), in_(in), out_(out), op_(context, ref::FcShape{batch, in, out}, gemm_path, precision) {
  weight_ = make_parameter(context, name_ + ".weight", {out, in}, weight_std, 0, 1);
  bias_ = make_parameter(context, name_ + ".bias", {out}, 0, bias_init, 0);
}

void FcLayer::forward(vkrt::Stream& stream, const LayerIO& io) {
  op_.forward(stream, io.x, weight_.value, bias_.value, io.y);
}

void FcLayer::backward(vkrt::Stream& stream, const LayerIO& io, bool accumulate) {
  backward_data(stream, io);
  backward_params(stream, io, accumulate);
}

void FcLayer::backward_data(vkrt::Stream& stream, const LayerIO& io) {
  if (!io.dx) return;
  op_.backward_data(stream, *io.dy, weight_.value, *io.dx);
  io.end_pass(stream, "backward-data");
}

void FcLayer::backward_params(vkrt::Stream& stream, const LayerIO& io, bool accumulate) {
  op_.backward_weight(stream, *io.dy, io.x, weight_.grad, accumulate);
  op_.backward_bias(stream, *io.dy, bias_.grad, accumulate);
  io.end_pass(stream, "backward-weight");
}

}  // namespace alexnet::net
