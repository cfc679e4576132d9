#version 450
// Max pooling backward as a GATHER: one invocation per INPUT element, summing dy over the windows
// that cover it and whose argmax (from maxpool_fwd) is this element. No atomics, and the sum runs
// in a fixed order (windows top to bottom, left to right), so results are deterministic. With
// overlapping windows (3x3 stride 2) an element can be the chosen maximum of up to four windows.
// Elements no window covers, or no window chose, get 0.
//   binding 0: argmax (N, C, OH, OW), int32, index within the (H, W) plane
//   binding 1: dy (N, C, OH, OW)   binding 2: dx (N, C, H, W)
//   push: count (N * C * H * W)
//   spec: 3 K, 4 STRIDE, 5 H, 6 W
#include "common.glsl"

layout(constant_id = 3) const uint K = 3;
layout(constant_id = 4) const uint STRIDE = 2;
layout(constant_id = 5) const uint H = 55;
layout(constant_id = 6) const uint W = 55;
const uint OH = (H - K) / STRIDE + 1u;
const uint OW = (W - K) / STRIDE + 1u;
// Windows per axis that can cover one element: those starting at most K - 1 before it.
const uint SPAN = (K + STRIDE - 1u) / STRIDE;

layout(std430, binding = 0) readonly buffer Argmax { int argmax[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint i = linear_index();
  if (i >= count) return;
  const uint plane = i / (H * W);
  const int iy = int((i / W) % H);
  const int ix = int(i % W);
  const int here = iy * int(W) + ix;
  const uint out_base = plane * (OH * OW);
  float sum = 0.0;
  // Window (oy, ox) covers rows oy*STRIDE .. oy*STRIDE + K - 1; walk them in ascending order.
  for (int a = int(SPAN) - 1; a >= 0; --a) {
    const int oy = iy / int(STRIDE) - a;
    if (oy < 0 || oy >= int(OH) || oy * int(STRIDE) + int(K) <= iy) continue;
    for (int b = int(SPAN) - 1; b >= 0; --b) {
      const int ox = ix / int(STRIDE) - b;
      if (ox < 0 || ox >= int(OW) || ox * int(STRIDE) + int(K) <= ix) continue;
      const uint o = out_base + uint(oy) * OW + uint(ox);
      if (argmax[o] == here) sum += dy[o];
    }
  }
  dx[i] = sum;
}
