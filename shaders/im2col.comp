#version 450
// Unrolls convolution windows into a matrix for gemm_texel.comp (the CPU-driver path of
// alexnet::Conv2dOp), group by group:
//
//   col[g, k, n] = x[b, g*CIN_G + ci, oy*STRIDE - PAD + ky, ox*STRIDE - PAD + kx]   (0 outside)
//   k = (ci, ky, kx) < K_G = CIN_G*KH*KW,   n = (b, oy, ox) < NN = BATCH*OH*OW,  n < NP (zero past NN)
//
// Each row is padded with zeros to NP (a multiple of 4) so that the GEMM reads whole texels. With a
// 1x1 kernel this is also how the host re-lays a gradient (BATCH, C, OH, OW) as [g][c][n], and a
// weight matrix [rows][cols] as rows padded to NP (BATCH = 1, H = 1).
//
// Bindings:
//   0: x    uniform texel buffer (R32F, or R16F for an fp16 tensor: the fetch widens it), (BATCH, CIN, H, W)
//   1: col  storage texel buffer (RGBA32F), (GROUPS, K_G, NP); 4 consecutive n per texel
// Push constants: none.
// Specialization constants:
//   0 local size x, 1, 2 = 1
//   3 BATCH, 4 CIN, 5 H, 6 W, 7 KH, 8 KW, 9 STRIDE, 10 PAD, 11 OH, 12 OW, 13 GROUPS, 14 NP
// Dispatch: linear_groups(GROUPS * K_G * ceil(NP / 16)); 16 consecutive n (4 texels) per
// invocation, so the division of n into (b, oy, ox) happens once per 16 values.
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

layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1, rgba32f) uniform writeonly imageBuffer col;

const uint CIN_G = CIN / GROUPS;
const uint KHW = KH * KW;
const uint OHW = OH * OW;
const uint NN = BATCH * OHW;
const uint NP4 = NP / 4;
const uint RUN = 16;  // values of one row per invocation
const uint RUNS = (NP + RUN - 1) / RUN;

void main() {
  const uint t = linear_index();
  if (t >= GROUPS * CIN_G * KHW * RUNS) return;
  const uint gk = t / RUNS;  // g * K_G + k
  const uint g = gk / (CIN_G * KHW);
  const uint k = gk % (CIN_G * KHW);
  const uint ci = k / KHW, ky = (k % KHW) / KW, kx = k % KW;
  const uint plane = g * CIN_G + ci;
  const uint n0 = (t % RUNS) * RUN;
  // (b, oy, ox) of n0, then stepped along n.
  uint b = n0 / OHW, oy = (n0 % OHW) / OW, ox = n0 % OW;
  for (uint q = 0; q < RUN / 4; ++q) {
    const uint texel = n0 / 4 + q;
    if (texel >= NP4) break;
    vec4 v = vec4(0.0);
    for (uint r = 0; r < 4; ++r) {
      if (4 * texel + r >= NN) break;
      // Unsigned wrap-around turns a negative row or column into one >= H or W.
      const uint iy = oy * STRIDE + ky - PAD;
      const uint ix = ox * STRIDE + kx - PAD;
      if (iy < H && ix < W) v[r] = texelFetch(x, int(((b * CIN + plane) * H + iy) * W + ix)).x;
      if (++ox == OW) {
        ox = 0;
        if (++oy == OH) {
          oy = 0;
          ++b;
        }
      }
    }
    imageStore(col, int(gk * NP4 + texel), v);
  }
}
