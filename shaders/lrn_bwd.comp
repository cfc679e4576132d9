#version 450
// Local response normalisation backward, one pass:
//   dx_i = dy_i * s_i^-BETA - 2 * ALPHA * BETA * x_i * sum_{j : |i - j| <= SIZE/2} dy_j * y_j / s_j
// using x_j * s_j^(-BETA-1) = y_j / s_j, so the window needs no powers, only the forward's saved
// y and scale (s); the one power left is s_i^-BETA. The window loop unrolls. Sums in fp32.
// Work assignment and texel access: lrn.glsl (one invocation per four consecutive elements).
//   binding 0: x (N, C, H, W), the forward input    binding 1: y (N, C, H, W), the forward output
//   binding 2: scale (N, C, H, W), from lrn_fwd     binding 3: dy (N, C, H, W)
//     (bindings 0-3: RGBA32F texel views)
//   binding 4: dx (N, C, H, W), storage buffer
//   binding 5: ratio halo (N, SIDES * HALF, H, W), R32F texel view: the neighbouring slices'
//     r_j = dy_j * y_j / s_j (lrn_ratio.comp), read only when HALO (lrn.glsl); the unsliced op
//     binds a dummy there
//   push: count (N * C * H * W)
//   spec: 3 SIZE (odd), 4 K (unused here: s comes from the forward pass), 5 ALPHA, 6 BETA, 7 C,
//         8 PLANE (H * W), 9 TAIL (the partial-quad pipeline), 10 HALO, 11 FIRST, 12 TOTAL
//         (channel slices, lrn.glsl)
// fp16 variant (ACT_FP16): x, y and dy bound as RGBA16F views, dx stored in fp16; scale (and the
// ratio halo) stay fp32, as does every sum.
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "lrn.glsl"

layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1) uniform samplerBuffer y;
layout(binding = 2) uniform samplerBuffer scale;
layout(binding = 3) uniform samplerBuffer dy;
layout(std430, binding = 4) writeonly buffer DX { ACT_T dx[]; };
layout(std430, binding = 4) writeonly buffer DX4 { ACT4_T dx4[]; };  // same memory as DX
layout(binding = 5) uniform samplerBuffer ratio_halo;
layout(push_constant) uniform Push { uint count; };

void main() {
  uint q;
  if (!my_quad(count, q)) return;
  const Quad quad = quad_of(q, count);
  vec4 sum = vec4(0.0);
  vec4 dy_i = vec4(0.0), s_i = vec4(0.0);  // dy and scale themselves: the window's d = 0 terms
  for (int d = -HALF; d <= HALF; ++d) {
    const vec4 dy_j = fetch_shifted(dy, quad, d, count);
    const vec4 s_j = fetch_shifted(scale, quad, d, count);
    vec4 r_j = dy_j * fetch_shifted(y, quad, d, count) / s_j;
    bvec4 inside = window_inside(quad, d);
    if (HALO && d != 0) {  // constant conditions: the unsliced pipelines drop this block
      const bvec4 from_halo = halo_inside(quad, d);
      if (any(from_halo)) {  // only quads near a slice edge
        r_j = mix(r_j, fetch_halo(ratio_halo, quad, d, count), from_halo);
        inside = bvec4(uvec4(inside) | uvec4(from_halo));
      }
    }
    sum += mix(vec4(0.0), r_j, inside);
    if (d == 0) {  // a constant condition once the loop unrolls
      dy_i = dy_j;
      s_i = s_j;
    }
  }
  const vec4 v = dy_i * pow_neg_beta(s_i) - (2.0 * ALPHA * BETA) * texelFetch(x, int(q)) * sum;
  STORE_QUAD_AS(ACT4_T, ACT_T, dx4, dx, q, count, v)
}
