#version 450
// LRN backward's window term of a channel slice's boundary channels, for the neighbouring slices'
// ratio halos (LrnOp::boundary_ratio, lrn.glsl): r = dy * y / scale, the same expression in the
// same order as lrn_bwd.comp's own channels, so that the neighbour's sums equal the unsliced op's.
// Output layout (N, SIDES * HALF, H, W): per sample, if BELOW the slice's local channels
// [0, HALF) (what the slice below reads), then if ABOVE its local channels [C - HALF, C).
// One invocation per output element.
//   bindings 0, 1, 2: dy, y, scale (N, C, H, W), R32F texel views
//   binding 3: out (N, SIDES * HALF, H, W), storage buffer (may be host-visible)
//   push: count (N * SIDES * HALF * H * W)
//   spec: 3 C, 4 PLANE (H * W), 5 HALF, 6 BELOW, 7 ABOVE
#include "common.glsl"

layout(constant_id = 3) const uint C = 96;
layout(constant_id = 4) const uint PLANE = 55 * 55;
layout(constant_id = 5) const uint HALF = 2;
layout(constant_id = 6) const bool BELOW = false;
layout(constant_id = 7) const bool ABOVE = true;

layout(binding = 0) uniform samplerBuffer dy;
layout(binding = 1) uniform samplerBuffer y;
layout(binding = 2) uniform samplerBuffer scale;
layout(std430, binding = 3) writeonly buffer Out { float r[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint o = linear_index();
  if (o >= count) return;
  const uint planes = (uint(BELOW) + uint(ABOVE)) * HALF;  // per sample
  const uint n = o / (planes * PLANE), p = (o / PLANE) % planes, pos = o % PLANE;
  // Plane p: a below-facing channel p, or an above-facing one C - HALF + (p - below planes).
  const uint channel = BELOW && p < HALF ? p : C - HALF + p - (BELOW ? HALF : 0u);
  const int at = int((n * C + channel) * PLANE + pos);
  r[o] = texelFetch(dy, at).x * texelFetch(y, at).x / texelFetch(scale, at).x;
}
