#version 450
// Softmax cross-entropy forward, one workgroup per row (sample):
//   m = max_j logits_j,   sum = sum_j exp(logits_j - m)
//   probs_j = exp(logits_j - m) / sum
//   loss    = (m - logits[label]) + log(sum)       (= logsumexp - logit[label], never log(p))
// Both row reductions go through shared memory as a fixed tree, so results are deterministic.
// Each invocation strides over the classes, so any class count works (1000 is AlexNet's).
// A label outside [0, CLASSES) yields loss = NaN for that row (probs are still written); the host
// validates labels before upload, the NaN only keeps a bad label from training silently.
//   binding 0: logits (N, CLASSES)   binding 1: labels (N), int32
//   binding 2: probs (N, CLASSES)    binding 3: loss (N), per sample (the batch loss is the mean)
//   push: rows (N; one workgroup per row, N <= 65535)
//   spec: 3 CLASSES   (the workgroup size, id 0, must be a power of two)
#include "common.glsl"

layout(constant_id = 3) const uint CLASSES = 1000;

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, binding = 2) writeonly buffer Probs { float probs[]; };
layout(std430, binding = 3) writeonly buffer Loss { float loss[]; };
layout(push_constant) uniform Push { uint rows; };

shared float partial[gl_WorkGroupSize.x];

// Tree reduction of partial[] into partial[0]; ends with a barrier so every invocation may read it.
void reduce_max() {
  for (uint stride = gl_WorkGroupSize.x / 2u; stride > 0u; stride >>= 1u) {
    if (gl_LocalInvocationID.x < stride)
      partial[gl_LocalInvocationID.x] = max(partial[gl_LocalInvocationID.x],
                                            partial[gl_LocalInvocationID.x + stride]);
    memoryBarrierShared();
    barrier();
  }
}

void reduce_sum() {
  for (uint stride = gl_WorkGroupSize.x / 2u; stride > 0u; stride >>= 1u) {
    if (gl_LocalInvocationID.x < stride)
      partial[gl_LocalInvocationID.x] += partial[gl_LocalInvocationID.x + stride];
    memoryBarrierShared();
    barrier();
  }
}

void main() {
  const uint row = gl_WorkGroupID.x;
  if (row >= rows) return;  // uniform over the workgroup, so the barriers below stay uniform
  const uint base = row * CLASSES;
  const uint tid = gl_LocalInvocationID.x;

  float m = logits[base];  // every row has at least one class; avoids an infinity constant
  for (uint j = tid; j < CLASSES; j += gl_WorkGroupSize.x) m = max(m, logits[base + j]);
  partial[tid] = m;
  memoryBarrierShared();
  barrier();
  reduce_max();
  m = partial[0];
  barrier();  // everyone has read the max before partial[] is reused

  float s = 0.0;
  for (uint j = tid; j < CLASSES; j += gl_WorkGroupSize.x) s += exp(logits[base + j] - m);
  partial[tid] = s;
  memoryBarrierShared();
  barrier();
  reduce_sum();
  s = partial[0];

  for (uint j = tid; j < CLASSES; j += gl_WorkGroupSize.x) probs[base + j] = exp(logits[base + j] - m) / s;
  if (tid == 0u) {
    const int label = labels[row];
    loss[row] = label >= 0 && uint(label) < CLASSES ? (m - logits[base + uint(label)]) + log(s)
                                                     : uintBitsToFloat(0x7fc00000u);  // quiet NaN
  }
}
