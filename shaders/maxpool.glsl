// Shared by maxpool_fwd.comp and maxpool_bwd.comp: the shape, the work assignment and texel access.
//
// Texel access: inputs are read through R32F texel views (a fetch is a vector gather on CPU
// drivers, where a storage-buffer load at a per-invocation address is a slow scalar loop).
// ARGMAX is stored as a FLOAT holding the integer index iy * W + ix of the chosen element within
// its (H, W) plane, so that backward can fetch it through an R32F view too; the host refuses
// planes of 2^24 elements or more, past which a float no longer holds every integer.
//   spec: 3 K, 4 STRIDE, 5 H, 6 W, 7 TAIL (forward's partial-quad pipeline, see quads.glsl)
#ifndef ALEXNET_MAXPOOL_GLSL
#define ALEXNET_MAXPOOL_GLSL

layout(constant_id = 3) const uint K = 3;
layout(constant_id = 4) const uint STRIDE = 2;
layout(constant_id = 5) const uint H = 55;
layout(constant_id = 6) const uint W = 55;
layout(constant_id = 7) const bool TAIL = false;
const uint OH = (H - K) / STRIDE + 1u;
const uint OW = (W - K) / STRIDE + 1u;

// Forward's work assignment: one invocation per QUAD of four consecutive outputs, so its results
// are one vec4 store (quads.glsl).
#include "quads.glsl"

// The four elements at flat indices e of a texel view with one float per texel.
vec4 fetch4(samplerBuffer b, uvec4 e) {
  return vec4(texelFetch(b, int(e.x)).x, texelFetch(b, int(e.y)).x, texelFetch(b, int(e.z)).x,
              texelFetch(b, int(e.w)).x);
}

// The flat indices of quad q's elements, those past count replaced by count - 1 (so that what
// they fetch stays in bounds; they are never written).
uvec4 quad_elements(uint q, uint count) { return min(uvec4(4u * q) + uvec4(0u, 1u, 2u, 3u), uvec4(count - 1u)); }

#endif
