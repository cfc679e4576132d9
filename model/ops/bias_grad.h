// The bias gradient of Conv2dOp and FcOp (shaders/bias_grad.comp): db (C) is dy (batch, C,
// positions) summed over the batch and positions, with positions = OH*OW for a convolution and 1
// for a fully connected layer. One pipeline on every device: the sum is a reduction, not a GEMM.
#pragma once

#include <cstdint>

#include "model/ops/precision.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

class BiasGradOp {
 public:
  // `precision` is dy's storage (fp16: bias_grad_fp16); db is fp32 in both.
  BiasGradOp(vkrt::Context& context, std::uint32_t channels, std::uint32_t positions, std::uint32_t batch,
             Precision precision = Precision::Fp32);

  // dy (batch, channels, positions) -> db (channels); with `accumulate`, db += the sum instead of
  // db = it. The caller has validated both ranges.
  void record(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db, bool accumulate) const;

 private:
  vkrt::Kernel kernel_;
  vkrt::Groups groups_;
};

}  // namespace alexnet
