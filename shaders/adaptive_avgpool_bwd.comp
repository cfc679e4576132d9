#version 450
// Adaptive average pooling backward as a GATHER: each input element sums dy / (window area) over
// the windows that cover it. Along an axis, element j lies in the windows i with
// floor(j * OUT / IN) <= i <= ceil((j + 1) * OUT / IN) - 1 (from the window formula in
// adaptive_avgpool.glsl), clamped to [0, OUT - 1]; each candidate is checked against its window,
// so rounding at the edges cannot add a window that does not cover j. No atomics: deterministic.
// Work assignment: one invocation per input element.
//   binding 0: dy (N, C, OH, OW)   binding 1: dx (N, C, H, W)
//   push: count (N * C * H * W)
//   spec: 3 H, 4 W, 5 OH, 6 OW
// fp16 variant (ACT_FP16): dy and dx stored in fp16, the sum in fp32 (dx rounded once).
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "adaptive_avgpool.glsl"

layout(std430, binding = 0) readonly buffer DY { ACT_T dy[]; };
layout(std430, binding = 1) writeonly buffer DX { ACT_T dx[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint i = linear_index();
  if (i >= count) return;
  const uint plane = i / (H * W);
  const uint iy = (i / W) % H, ix = i % W;
  const uint oy0 = (iy * OH) / H, oy1 = min(((iy + 1u) * OH + H - 1u) / H, OH);
  const uint ox0 = (ix * OW) / W, ox1 = min(((ix + 1u) * OW + W - 1u) / W, OW);
  const uint base = plane * (OH * OW);
  float sum = 0.0;
  for (uint oy = oy0; oy < oy1; ++oy) {
    const uint y0 = window_begin(oy, H, OH), y1 = window_end(oy, H, OH);
    if (iy < y0 || iy >= y1) continue;
    for (uint ox = ox0; ox < ox1; ++ox) {
      const uint x0 = window_begin(ox, W, OW), x1 = window_end(ox, W, OW);
      if (ix < x0 || ix >= x1) continue;
      sum += float(dy[base + oy * OW + ox]) / float((y1 - y0) * (x1 - x0));
    }
  }
  dx[i] = ACT_T(sum);
}
