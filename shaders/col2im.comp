#version 450
// Folds a window-unrolled gradient back onto the input (the inverse of im2col.comp), the last step
// of the CPU-driver data gradient in alexnet::Conv2dOp:
//
//   dx[b, g*CIN_G + ci, iy, ix] = sum over (ky, kx) with iy = oy*STRIDE - PAD + ky and
//                                 ix = ox*STRIDE - PAD + kx inside the output of dcol[g, (ci, ky, kx), (b, oy, ox)]
//
// One invocation per element of dx gathers its taps in a fixed order (ky, then kx), so the sum is
// deterministic (no atomics).
//
// Bindings:
//   0: dcol  uniform texel buffer (R32F), (GROUPS, K_G, NP)
//   1: dx    storage texel buffer (R32F), (BATCH, CIN, H, W)
// Push constants: none.
// Specialization constants: as im2col.comp (3 BATCH ... 14 NP).
// Dispatch: linear_groups(BATCH * CIN * H * W).
#include "common.glsl"

layout(constant_id = 3) const uint BATCH = 1;
layout(constant_id = 4) const uint CIN = 1;
layout(constant_id = 5) const uint H = 1;
layout(constant_id = 6) const uint W = 1;
layout(constant_id = 7) const uint KH = 1;
layout(constant_id = 8) const uint KW = 1;
layout(constant_id = 9) const uint STRIDE = 1;
layout(constant_id = 10) const uint PAD = 0;
layout(constant_id = 11) const uint OH = 1;
layout(constant_id = 12) const uint OW = 1;
layout(constant_id = 13) const uint GROUPS = 1;
layout(constant_id = 14) const uint NP = 4;

layout(binding = 0) uniform samplerBuffer dcol;
layout(binding = 1, r32f) uniform writeonly imageBuffer dx;

const uint CIN_G = CIN / GROUPS;
const uint KHW = KH * KW;
const uint OHW = OH * OW;

void main() {
  const uint t = linear_index();
  if (t >= BATCH * CIN * H * W) return;
  const uint ix = t % W, iy = (t / W) % H;
  const uint c = (t / (H * W)) % CIN, b = t / (CIN * H * W);
  const uint g = c / CIN_G, ci = c % CIN_G;
  const uint row0 = (g * CIN_G + ci) * KHW;  // dcol row of (ci, 0, 0) in group g
  float sum = 0.0;
  for (uint ky = 0; ky < KH; ++ky) {
    const uint ty = iy + PAD - ky;  // oy * STRIDE when this tap hits; wraps past H when negative
    if (ty % STRIDE != 0 || ty / STRIDE >= OH) continue;
    for (uint kx = 0; kx < KW; ++kx) {
      const uint tx = ix + PAD - kx;
      if (tx % STRIDE != 0 || tx / STRIDE >= OW) continue;
      const uint n = b * OHW + (ty / STRIDE) * OW + tx / STRIDE;
      sum += texelFetch(dcol, int((row0 + ky * KW + kx) * NP + n)).x;
    }
  }
  imageStore(dx, int(t), vec4(sum));
}
