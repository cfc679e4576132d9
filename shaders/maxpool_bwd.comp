#version 450
// Max pooling backward as a GATHER: each INPUT element sums dy over the windows that cover it and
// whose argmax (from maxpool_fwd) is this element. No atomics, and the sum runs in a fixed order
// (windows top to bottom, left to right), so results are deterministic. With overlapping windows
// (3x3 stride 2) an element can be the chosen maximum of up to four windows. Elements no window
// covers, or no window chose, get 0.
// Work assignment: one invocation per BLOCK of STRIDE x STRIDE input elements (blocks tile each
// plane from its top-left corner; those at the right and bottom edges may be cut off). Every
// element of block (by, bx) can only be covered by the SPAN x SPAN windows (oy, ox) with
// by - SPAN < oy <= by and bx - SPAN < ox <= bx, so the invocation fetches their argmax and dy
// once, and each element takes the windows that chose it (a window's argmax lies inside it, so
// "chose it" implies "covers it"). Texel access: maxpool.glsl.
//   binding 0: argmax (N, C, OH, OW), float-valued index within the (H, W) plane, R32F texel view
//   binding 1: dy (N, C, OH, OW), R32F texel view   binding 2: dx (N, C, H, W)
//   push: count (N * C * H * W)
//   spec: 3 K, 4 STRIDE, 5 H, 6 W (7 TAIL: unused here)
// fp16 variant (ACT_FP16): dy bound as an R16F view, dx stored in fp16; argmax stays fp32, the
// sums are fp32.
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "maxpool.glsl"

// Windows per axis that can cover one element: those starting at most K - 1 before it.
const uint SPAN = (K + STRIDE - 1u) / STRIDE;
const uint BH = (H + STRIDE - 1u) / STRIDE;  // blocks per column of a plane
const uint BW = (W + STRIDE - 1u) / STRIDE;  // blocks per row of a plane

layout(binding = 0) uniform samplerBuffer argmax;
layout(binding = 1) uniform samplerBuffer dy;
layout(std430, binding = 2) writeonly buffer DX { ACT_T dx[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint block = linear_index();
  const uint planes = count / (H * W);
  if (block >= planes * BH * BW) return;
  const uint plane = block / (BH * BW);
  const int by = int((block / BW) % BH);
  const int bx = int(block % BW);

  // The candidate windows in ascending order (row-major); those outside the plane's OH x OW
  // windows read window 0 instead and can choose nothing (argmax -1).
  float chosen[SPAN * SPAN];
  float grad[SPAN * SPAN];
  for (uint a = 0u; a < SPAN; ++a)
    for (uint b = 0u; b < SPAN; ++b) {
      const int oy = by - int(SPAN - 1u) + int(a);
      const int ox = bx - int(SPAN - 1u) + int(b);
      const bool exists = oy >= 0 && oy < int(OH) && ox >= 0 && ox < int(OW);
      const uint o = plane * (OH * OW) + uint(clamp(oy, 0, int(OH) - 1)) * OW + uint(clamp(ox, 0, int(OW) - 1));
      const float am = texelFetch(argmax, int(o)).x;
      chosen[a * SPAN + b] = exists ? am : -1.0;
      grad[a * SPAN + b] = texelFetch(dy, int(o)).x;
    }

  for (uint r = 0u; r < STRIDE; ++r)
    for (uint c = 0u; c < STRIDE; ++c) {
      const uint iy = uint(by) * STRIDE + r;
      const uint ix = uint(bx) * STRIDE + c;
      const float here = float(iy * W + ix);  // as forward stores it
      float sum = 0.0;
      for (uint w = 0u; w < SPAN * SPAN; ++w) sum += chosen[w] == here ? grad[w] : 0.0;
      if (iy < H && ix < W) dx[plane * (H * W) + iy * W + ix] = ACT_T(sum);
    }
}
