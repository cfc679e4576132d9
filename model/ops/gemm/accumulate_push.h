// The push block shared by every shader that can add its result into its output instead of
// overwriting it: gemm.comp, gemm_texel.comp, conv2d_bwd_weight.comp, sum_slices.comp and
// bias_grad.comp all declare
//
//   layout(push_constant) uniform Push { uint accumulate; };
//
// Gradients of micro-batches sum into one buffer this way, without a separate add pass.
#pragma once

#include <cstdint>

namespace alexnet {

struct AccumulatePush {
  std::uint32_t accumulate;  // 1: out += result; 0: out = result

  static AccumulatePush of(bool accumulate) { return {accumulate ? 1u : 0u}; }
};

}  // namespace alexnet
