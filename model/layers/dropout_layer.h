// Inverted dropout, in place. The mask is regenerated in backward from (seed, step) (read from the
// step's key buffer, salted per layer) and each
// element's index within the whole step, so nothing is stored and micro-batches draw the same
// mask as one pass over the batch would.
#pragma once

#include <functional>
#include <stdexcept>

#include "model/ops/dropout.h"
#include "model/layers/layer.h"

namespace alexnet::net {

class DropoutLayer : public Layer {
 public:
  DropoutLayer(vkrt::Context& context, std::string name, Shape3 shape, float p, Precision precision = Precision::Fp32)
      : name_(std::move(name)), shape_(shape), p_(p), layer_salt_(salt(name_)), op_(context, 0, 4, precision) {}
  const std::string& name() const override { return name_; }
  Shape3 output_shape() const override { return shape_; }
  bool in_place() const override { return true; }
  void forward(vkrt::Stream& stream, const LayerIO& io) override {
    if (!io.key.train) return;  // identity at inference: y is x
    op_.forward(stream, io.x, io.y, count(io), p_, key(io), io.sample_offset * shape_.count());
  }
  void backward(vkrt::Stream& stream, const LayerIO& io, bool) override {
    op_.backward(stream, *io.dy, *io.dx, count(io), p_, key(io), io.sample_offset * shape_.count());
  }

  // fc6 and fc7 have outputs of the same size: without a per-layer salt they would drop the same
  // units every step. The mask's seed is the step key's seed XOR this.
  static std::uint32_t salt(const std::string& name) {
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (unsigned char c : name) h = (h ^ c) * 16777619u;
    return h;
  }

 private:
  DropoutKey key(const LayerIO& io) const {
    if (!io.key_buffer) throw std::logic_error(name_ + ": no step key buffer to draw the mask from");
    return {*io.key_buffer, layer_salt_};
  }
  std::uint64_t count(const LayerIO& io) const { return shape_.count() * io.batch; }

  std::string name_;
  Shape3 shape_;
  float p_;
  std::uint32_t layer_salt_;
  DropoutOp op_;
};

}  // namespace alexnet::net
