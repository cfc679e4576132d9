#version 450
// Max pooling forward, K x K windows moved by STRIDE, no padding, floor output size
// OH = (H - K) / STRIDE + 1 (trailing rows/columns that fill no whole window are never read).
// Also writes the argmax each window chose, for backward: the index iy * W + ix of the chosen
// element WITHIN ITS (H, W) INPUT PLANE, as a float (see maxpool.glsl), not a flat index into x,
// so it does not depend on the batch or channel and a micro-batch slice reuses it unchanged.
// TIE RULE (as ref::maxpool_*): the FIRST maximum in row-major window order wins, i.e. the running
// maximum is replaced only by a strictly greater value.
// Work assignment and texel access: maxpool.glsl (one invocation per four consecutive outputs, each
// window's K x K elements fetched on their own).
//   binding 0: x (N, C, H, W), R32F texel view   binding 1: y (N, C, OH, OW)
//   binding 2: argmax (N, C, OH, OW), float-valued index within the plane
//   push: count (N * C * OH * OW)
//   spec: 3 K, 4 STRIDE, 5 H, 6 W, 7 TAIL (the partial-quad pipeline)
// fp16 variant (ACT_FP16): x bound as an R16F view, y stored in fp16; argmax stays fp32.
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "maxpool.glsl"

layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer Y { ACT_T y[]; };
layout(std430, binding = 1) writeonly buffer Y4 { ACT4_T y4[]; };  // same memory as Y
layout(std430, binding = 2) writeonly buffer Argmax { float argmax[]; };
layout(std430, binding = 2) writeonly buffer Argmax4 { vec4 argmax4[]; };  // same memory as Argmax
layout(push_constant) uniform Push { uint count; };

void main() {
  uint q;
  if (!my_quad(count, q)) return;
  const uvec4 o = quad_elements(q, count);
  const uvec4 plane = o / (OH * OW);
  const uvec4 oy = (o / OW) % OH;
  const uvec4 ox = o % OW;
  const uvec4 base = plane * (H * W);
  const uvec4 corner = oy * STRIDE * W + ox * STRIDE;  // the window's first element in its plane
  uvec4 best = corner;
  vec4 best_value = fetch4(x, base + corner);
  for (uint ky = 0u; ky < K; ++ky)
    for (uint kx = 0u; kx < K; ++kx) {
      const uvec4 at = corner + (ky * W + kx);
      const vec4 value = fetch4(x, base + at);
      const bvec4 greater = greaterThan(value, best_value);
      best_value = mix(best_value, value, greater);
      best = mix(best, at, greater);
    }
  STORE_QUAD_AS(ACT4_T, ACT_T, y4, y, q, count, best_value)
  STORE_QUAD(argmax4, argmax, q, count, vec4(best))
}
