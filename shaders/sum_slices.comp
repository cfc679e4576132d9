#version 450
// Adds the partial sums of K slices (gemm_texel.comp, conv2d_bwd_weight.comp) in slice order
// (deterministic):
//
//   c[i] = (accumulate ? c[i] : 0) + (sum_{s < SLICES} part[s*STRIDE + i])   for i < COUNT
//
// Bindings:
//   0: part  uniform texel buffer (R32F), SLICES x STRIDE floats
//   1: c     storage texel buffer (R32F), COUNT floats
// Push constants: accumulate (uint, 0 or 1); alexnet::AccumulatePush mirrors them.
// Specialization constants: 0 local size x; 3 COUNT, 4 SLICES, 5 STRIDE.
// Dispatch: linear_groups(COUNT).
#include "common.glsl"

layout(constant_id = 3) const uint COUNT = 1;
layout(constant_id = 4) const uint SLICES = 1;
layout(constant_id = 5) const uint STRIDE = 1;

layout(binding = 0) uniform samplerBuffer part;
layout(binding = 1, r32f) uniform imageBuffer c;
layout(push_constant) uniform Push { uint accumulate; };

void main() {
  const uint i = linear_index();
  if (i >= COUNT) return;
  // The slices first, then what c held: a gradient accumulated over micro-batches is then the
  // sum of each round's whole sum, in the order data parallelism adds the ranks' sums.
  float sum = 0.0;
  for (uint s = 0; s < SLICES; ++s) sum += texelFetch(part, int(s * STRIDE + i)).x;
  if (accumulate != 0u) sum = imageLoad(c, int(i)).x + sum;
  imageStore(c, int(i), vec4(sum));
}
