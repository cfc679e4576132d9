#version 450
// Max pooling forward, K x K windows moved by STRIDE, no padding, floor output size
// OH = (H - K) / STRIDE + 1 (trailing rows/columns that fill no whole window are never read).
// One invocation per output element. Also writes the argmax each window chose, for backward:
// the index iy * W + ix of the chosen element WITHIN ITS (H, W) INPUT PLANE, not a flat index into x,
// so it does not depend on the batch or channel and a micro-batch slice reuses it unchanged.
// TIE RULE (as ref::maxpool_*): the FIRST maximum in row-major window order wins, i.e. the running
// maximum is replaced only by a strictly greater value.
//   binding 0: x (N, C, H, W)   binding 1: y (N, C, OH, OW)   binding 2: argmax (N, C, OH, OW), int32
//   push: count (N * C * OH * OW)
//   spec: 3 K, 4 STRIDE, 5 H, 6 W
#include "common.glsl"

layout(constant_id = 3) const uint K = 3;
layout(constant_id = 4) const uint STRIDE = 2;
layout(constant_id = 5) const uint H = 55;
layout(constant_id = 6) const uint W = 55;
const uint OH = (H - K) / STRIDE + 1u;
const uint OW = (W - K) / STRIDE + 1u;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Argmax { int argmax[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint o = linear_index();
  if (o >= count) return;
  const uint plane = o / (OH * OW);
  const uint oy = (o / OW) % OH;
  const uint ox = o % OW;
  const uint base = plane * (H * W);
  uint best = (oy * STRIDE) * W + ox * STRIDE;
  float best_value = x[base + best];
  for (uint ky = 0u; ky < K; ++ky)
    for (uint kx = 0u; kx < K; ++kx) {
      const uint at = (oy * STRIDE + ky) * W + (ox * STRIDE + kx);
      const float value = x[base + at];
      if (value > best_value) {
        best_value = value;
        best = at;
      }
    }
  y[o] = best_value;
  argmax[o] = int(best);
}
