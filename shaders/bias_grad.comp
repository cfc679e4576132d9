#version 450
// Bias gradient: the sum of dy over the batch and every position of one channel.
//
//   db[c] = (accumulate ? db[c] : 0) + sum_{b < BATCH, s < S} dy[(b*C + c)*S + s]
//
// S = OH*OW for a convolution, 1 for a fully connected layer. One workgroup per channel: each
// invocation sums a strided share in fp32, then a shared-memory tree halves the partial sums.
// The workgroup size (spec id 0) must be a power of two.
//
// Bindings:
//   0: dy  (BATCH, C, S)
//   1: db  (C)
// Push constants: accumulate (uint, 0 or 1); alexnet::AccumulatePush mirrors them.
// Specialization constants:
//   0, 1, 2  workgroup size (x = reduction width, y = z = 1)
//   3 C, 4 S, 5 BATCH
// Dispatch: one workgroup per channel, flattened over x/y (vkrt::linear_groups(C, 1)).
// Variant bias_grad_fp16 (precision.glsl): dy fp16; the sum and db fp32.
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "precision.glsl"

layout(constant_id = 3) const uint C = 1;
layout(constant_id = 4) const uint S = 1;
layout(constant_id = 5) const uint BATCH = 1;

layout(std430, binding = 0) readonly buffer DY { ACT_T dy[]; };
layout(std430, binding = 1) buffer DB { float db[]; };
layout(push_constant) uniform Push { uint accumulate; };

shared float partial[gl_WorkGroupSize.x];

void main() {
  const uint c = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (c >= C) return;  // the whole workgroup, before any barrier
  const uint t = gl_LocalInvocationID.x;

  float sum = 0.0;
  for (uint i = t; i < BATCH * S; i += gl_WorkGroupSize.x) {
    const uint b = i / S, s = i % S;
    sum += float(dy[(b * C + c) * S + s]);
  }
  partial[t] = sum;
  barrier();
  for (uint half_width = gl_WorkGroupSize.x / 2; half_width > 0; half_width /= 2) {
    if (t < half_width) partial[t] += partial[t + half_width];
    barrier();
  }
  if (t == 0) {
    float total = partial[0];
    if (accumulate != 0) total += db[c];
    db[c] = total;
  }
}
