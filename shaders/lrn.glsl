// Shared by lrn_fwd.comp and lrn_bwd.comp: constants, the work assignment and texel access.
//
// Work assignment: one invocation per QUAD of four consecutive elements of the flat (N, C, H, W)
// tensor (quad q: elements 4q .. 4q+3, one RGBA32F texel of every input and of the output; the
// partial last quad has a pipeline of its own, TAIL: see quads.glsl). Each
// element sums its window of SIZE channels, i.e. the elements d * PLANE away for |d| <= SIZE/2,
// in ascending d as the reference does; a quad may straddle two channels, so the window's bounds
// are checked per element. Each input is thus read SIZE times, but in a sweep over the tensor
// that stays in cache, and an invocation holds no window in registers.
// Texel access: inputs are read through RGBA32F texel views (a fetch is a vector gather on CPU
// drivers, where a storage-buffer load at a per-invocation address is a slow scalar loop). The
// four elements d * PLANE away from a quad start at a texel boundary only when (d * PLANE) % 4 ==
// 0; otherwise they are the tail of one texel and the head of the next, shifted by that constant.
// Channel slices (HALO): the tensor holds global channels [FIRST, FIRST + C) of TOTAL, and a
// window that leaves [0, C) reads the neighbouring slices' channels from a halo buffer (N, SIDES *
// HALF, H, W) holding only the sides that exist: per sample, if BELOW (FIRST > 0) HALF planes of
// global channels [FIRST - HALF, FIRST), then if ABOVE (FIRST + C < TOTAL) HALF planes of global
// channels [FIRST + C, FIRST + C + HALF). Window channels outside [0, TOTAL) are masked. HALO is a
// specialization constant so that the unsliced pipelines fold the halo code away and compile to
// the plain shader.
//   spec: 3 SIZE (odd), 4 K, 5 ALPHA, 6 BETA, 7 C, 8 PLANE (H * W), 9 TAIL, 10 HALO, 11 FIRST,
//         12 TOTAL
#ifndef ALEXNET_LRN_GLSL
#define ALEXNET_LRN_GLSL

layout(constant_id = 3) const int SIZE = 5;
layout(constant_id = 4) const float K = 2.0;
layout(constant_id = 5) const float ALPHA = 1e-4;
layout(constant_id = 6) const float BETA = 0.75;
layout(constant_id = 7) const uint C = 96;
layout(constant_id = 8) const uint PLANE = 55 * 55;
layout(constant_id = 9) const bool TAIL = false;
layout(constant_id = 10) const bool HALO = false;
layout(constant_id = 11) const int FIRST = 0;
layout(constant_id = 12) const int TOTAL = 96;
const int HALF = SIZE / 2;
// The halo's sides (meaningful only when HALO): channels exist below the slice, above it.
const bool BELOW = FIRST > 0;
const bool ABOVE = FIRST + int(C) < TOTAL;
const int SIDES = int(BELOW) + int(ABOVE);

#include "quads.glsl"

// s^-BETA for s >= K > 0 (what pow(s, -BETA) is defined as in Vulkan). For the paper's 0.75 the
// all-root form inversesqrt(s) * inversesqrt(sqrt(s)) is no better: measured on llvmpipe against
// the double reference it was slightly worse (3.3e-7 vs 2.7e-7 max relative error of y).
vec4 pow_neg_beta(vec4 s) { return exp2(-BETA * log2(s)); }

// Componentwise a && b (GLSL's && takes scalars only).
bvec4 and4(bvec4 a, bvec4 b) { return bvec4(uvec4(a) & uvec4(b)); }

// A quad: its index, and each element's channel (elements past the end repeat the last one's).
struct Quad {
  uint q;
  ivec4 channel;
};

Quad quad_of(uint q, uint count) {
  const uvec4 e = min(uvec4(4u * q) + uvec4(0u, 1u, 2u, 3u), uvec4(count - 1u));
  return Quad(q, ivec4((e / PLANE) % C));
}

// Which elements of the quad have channel c + d inside [0, C).
bvec4 window_inside(Quad quad, int d) {
  return and4(greaterThanEqual(quad.channel + d, ivec4(0)), lessThan(quad.channel + d, ivec4(C)));
}

// Elements 4q + d * PLANE .. 4q + d * PLANE + 3 of b, for a tensor of `count` elements. Texels
// outside the view are clamped into it: the elements they would hold lie in channels outside
// [0, C) of the quad's sample, which the caller masks with window_inside().
vec4 fetch_shifted(samplerBuffer b, Quad quad, int d, uint count) {
  const int offset = d * int(PLANE);
  const int shift = offset & 3;  // a constant once the window loop unrolls
  const int first = int(quad.q) + (offset - shift) / 4;
  const int last_texel = int((count - 1u) >> 2u);
  const vec4 lo = texelFetch(b, clamp(first, 0, last_texel));
  if (shift == 0) return lo;
  const vec4 hi = texelFetch(b, clamp(first + 1, 0, last_texel));
  return shift == 1 ? vec4(lo.yzw, hi.x) : shift == 2 ? vec4(lo.zw, hi.xy) : vec4(lo.w, hi.xyz);
}

// Which elements of the quad read channel c + d (d != 0) from the halo: outside [0, C) locally,
// on d's side, and inside [0, TOTAL) globally.
bvec4 halo_inside(Quad quad, int d) {
  const ivec4 local = quad.channel + d;
  const ivec4 global = local + FIRST;
  const bvec4 outside = d < 0 ? lessThan(local, ivec4(0)) : greaterThanEqual(local, ivec4(C));
  return and4(outside, and4(greaterThanEqual(global, ivec4(0)), lessThan(global, ivec4(TOTAL))));
}

// Channel c + d (d != 0) of each element of the quad, from halo buffer h viewed as R32F (one float
// per texel): one fetch per element, since a quad may straddle channels or samples and its
// halo elements then lie in different planes. Elements that do not read the halo get a clamped
// in-range plane, which the caller masks with halo_inside().
vec4 fetch_halo(samplerBuffer h, Quad quad, int d, uint count) {
  const uvec4 e = min(uvec4(4u * quad.q) + uvec4(0u, 1u, 2u, 3u), uvec4(count - 1u));
  const ivec4 local = quad.channel + d;
  const int above_base = BELOW ? HALF : 0;  // the first "above" plane
  const ivec4 plane = clamp(d < 0 ? local + HALF : local - int(C) + above_base, 0, max(SIDES * HALF - 1, 0));
  const ivec4 at = ivec4(((e / (C * PLANE)) * uint(SIDES * HALF) + uvec4(plane)) * PLANE + e % PLANE);
  return vec4(texelFetch(h, at.x).x, texelFetch(h, at.y).x, texelFetch(h, at.z).x, texelFetch(h, at.w).x);
}

#endif
