#include "model/ops/bias_grad.h"

#include "model/ops/gemm/accumulate_push.h"
#include "model/ops/gemm/gemm_tile.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

vkrt::KernelDesc bias_grad_kernel_desc(const vkrt::Context& context, std::uint32_t channels, std::uint32_t positions,
                                       std::uint32_t batch, Precision precision) {
  const auto& limits = context.limits();
  // One invocation per summand up to 256; a power of two for the tree reduction.
  std::uint32_t local = pow2_at_least(std::uint64_t(batch) * positions, 256);
  while (local > limits.maxComputeWorkGroupSize[0] || local > limits.maxComputeWorkGroupInvocations) local /= 2;
  return {shader_variant("bias_grad", precision), {local, 1, 1}, {channels, positions, batch}};
}

}  // namespace

BiasGradOp::BiasGradOp(vkrt::Context& context, std::uint32_t channels, std::uint32_t positions, std::uint32_t batch,
                       Precision precision)
    : kernel_(context, bias_grad_kernel_desc(context, channels, positions, batch, precision)),
      // One workgroup per channel.
      groups_(vkrt::linear_groups(channels, 1)) {}

void BiasGradOp::record(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                        bool accumulate) const {
  stream.dispatch(kernel_, {dy, db}, AccumulatePush::of(accumulate), groups_);
}

}  // namespace alexnet
