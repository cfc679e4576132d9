#include "model/layers/conv_layer.h"

#include "model/layers/parameter.h"

namespace alexnet::net {
namespace {

ref::Conv2dShape conv_shape(const ConvSpec& s, Shape3 in, int batch) {
  ref::Conv2dShape shape{batch, in.c, in.h, in.w, s.out, s.kernel, s.kernel, s.stride, s.pad, s.pad_end, s.groups};
  shape.validate();
  return shape;
}

}  // namespace

ConvLayer::ConvLayer(vkrt::Context& context, const ConvSpec& spec, Shape3 in, int batch, const Arch& arch,
                     Precision precision, GemmPath gemm_path)
    : name_(spec.name), op_(context, conv_shape(spec, in, batch), gemm_path, precision) {
  const auto& s = op_.shape();
  out_ = {s.c_out, s.out_h(), s.out_w()};
  weight_ = make_parameter(context, name_ + ".weight", {s.c_out, s.c_in / s.groups, s.kh, s.kw},
                           arch.weight_std_for(s.c_in / s.groups * s.kh * s.kw), 0, 1);
  bias_ = make_parameter(context, name_ + ".bias", {s.c_out}, 0, spec.bias_init, 0);
}

double ConvLayer::forward_macs_per_sample() const {
  const auto& s = op_.shape();
  return double(out_.count()) * (s.c_in / s.groups) * s.kh * s.kw;
}

void ConvLayer::forward(vkrt::Stream& stream, const LayerIO& io) {
  op_.forward(stream, io.x, weight_.value, bias_.value, io.y);
}

void ConvLayer::backward(vkrt::Stream& stream, const LayerIO& io, bool accumulate) {
  // The three gradients read the same inputs and write different buffers: no barrier between.
  backward_data(stream, io);
  backward_params(stream, io, accumulate);
}

void ConvLayer::backward_data(vkrt::Stream& stream, const LayerIO& io) {
  if (!io.dx) return;
  op_.backward_data(stream, *io.dy, weight_.value, *io.dx);
  io.end_pass(stream, "backward-data");
}

void ConvLayer::backward_params(vkrt::Stream& stream, const LayerIO& io, bool accumulate) {
  op_.backward_weight(stream, *io.dy, io.x, weight_.grad, accumulate);
  op_.backward_bias(stream, *io.dy, bias_.grad, accumulate);
  io.end_pass(stream, "backward-weight");
}

}  // namespace alexnet::net
