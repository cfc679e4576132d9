#version 450
// Local response normalisation forward, across channels, the paper's formula (alpha NOT divided
// by SIZE; Caffe and PyTorch divide it):
//   scale_i = K + ALPHA * sum_{j = max(0, i - SIZE/2)}^{min(C - 1, i + SIZE/2)} x_j^2
//   y_i     = x_i * scale_i^-BETA
// per (n, h, w), i and j channel indices. The window loop unrolls. scale is saved for lrn_bwd.
// Sums and powers in fp32. Work assignment and texel access: lrn.glsl (one invocation per four
// consecutive elements).
//   binding 0: x (N, C, H, W), RGBA32F texel view
//   binding 1: y (N, C, H, W)   binding 2: scale (N, C, H, W)
//   binding 3: x_halo (N, SIDES * HALF, H, W), R32F texel view: read only when HALO (lrn.glsl); the
//     unsliced op binds a dummy there
//   push: count (N * C * H * W)
//   spec: 3 SIZE (odd), 4 K, 5 ALPHA, 6 BETA, 7 C, 8 PLANE (H * W), 9 TAIL (the partial-quad pipeline),
//         10 HALO, 11 FIRST, 12 TOTAL (channel slices, lrn.glsl)
// fp16 variant (ACT_FP16): x (and x_halo) bound as RGBA16F / R16F views, y stored in fp16; scale
// stays fp32 (it is the window sum, kept for backward), as do the sums and powers.
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "lrn.glsl"

layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer Y { ACT_T y[]; };
layout(std430, binding = 1) writeonly buffer Y4 { ACT4_T y4[]; };  // same memory as Y
layout(std430, binding = 2) writeonly buffer Scale { float scale[]; };
layout(std430, binding = 2) writeonly buffer Scale4 { vec4 scale4[]; };  // same memory as Scale
layout(binding = 3) uniform samplerBuffer x_halo;
layout(push_constant) uniform Push { uint count; };

void main() {
  uint q;
  if (!my_quad(count, q)) return;
  const Quad quad = quad_of(q, count);
  vec4 sum = vec4(0.0);
  vec4 center = vec4(0.0);  // x itself: the window's d = 0 term
  for (int d = -HALF; d <= HALF; ++d) {
    vec4 a = mix(vec4(0.0), fetch_shifted(x, quad, d, count), window_inside(quad, d));
    if (HALO && d != 0) {  // constant conditions: the unsliced pipelines drop this block
      const bvec4 from_halo = halo_inside(quad, d);
      if (any(from_halo)) a = mix(a, fetch_halo(x_halo, quad, d, count), from_halo);  // near a slice edge
    }
    sum += a * a;
    if (d == 0) center = a;  // a constant condition once the loop unrolls
  }
  const vec4 s = K + ALPHA * sum;
  const vec4 yv = center * pow_neg_beta(s);
  STORE_QUAD_AS(ACT4_T, ACT_T, y4, y, q, count, yv)
  STORE_QUAD(scale4, scale, q, count, s)
}
