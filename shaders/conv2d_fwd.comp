#version 450
// Convolution forward (cross-correlation, NCHW, grouped) as an implicit GEMM per group
// g = gl_WorkGroupID.z, on the core in gemm_tile.glsl:
//
//   y[b, g*M + m, oy, ox] = bias[g*M + m] + sum_k w[g*M + m, k] * col[k, (b, oy, ox)]
//   M = COUT/GROUPS, N = BATCH*OH*OW, K = CIN/GROUPS*KH*KW, k = (ci in group, ky, kx)
//
// The im2col column is gathered on the fly: input row iy = oy*STRIDE - PAD + ky (likewise ix)
// outside [0, H) reads zero. PAD is the zero padding before (top, left); the padding after
// (bottom, right) is implied by OH and OW, which the host computes from pad + pad_end.
//
// Bindings:
//   0: x  (BATCH, CIN, H, W)
//   1: w  (COUT, CIN/GROUPS, KH, KW)
//   2: b  (COUT)
//   3: y  (BATCH, COUT, OH, OW)
// Push constants: none.
// Specialization constants:
//   0, 1, 2  workgroup size (x along N, y along M, z = 1)
//   3 GEMM_TM, 4 GEMM_TN, 5 GEMM_BK  (gemm_tile.glsl)
//   6 BATCH, 7 CIN, 8 H, 9 W, 10 COUT, 11 KH, 12 KW, 13 STRIDE, 14 PAD, 15 OH, 16 OW, 17 GROUPS
// Dispatch: x/y = the flattened (M tiles x N tiles) grid, z = GROUPS.
// Variant conv2d_fwd_fp16 (precision.glsl): x and y fp16; w, bias and the sum fp32.
// Variant conv2d_fwd_coopmat: the same storage on the cooperative-matrix core (gemm_coopmat_nv.glsl;
// unmeasured).
//!variant fp16 ALEXNET_FP16 ACT_FP16
//!variant coopmat ALEXNET_FP16 ACT_FP16 GEMM_COOPMAT_NV
#include "common.glsl"
#include "precision.glsl"

layout(constant_id = 6) const uint BATCH = 1;
layout(constant_id = 7) const uint CIN = 1;
layout(constant_id = 8) const uint H = 1;
layout(constant_id = 9) const uint W = 1;
layout(constant_id = 10) const uint COUT = 1;
layout(constant_id = 11) const uint KH = 1;
layout(constant_id = 12) const uint KW = 1;
layout(constant_id = 13) const uint STRIDE = 1;
layout(constant_id = 14) const uint PAD = 0;
layout(constant_id = 15) const uint OH = 1;
layout(constant_id = 16) const uint OW = 1;
layout(constant_id = 17) const uint GROUPS = 1;

const uint CIN_G = CIN / GROUPS;
const uint COUT_G = COUT / GROUPS;
const uint KHW = KH * KW;
const uint OHW = OH * OW;

layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { ACT_T y[]; };

uint group_g;  // this workgroup's group

float load_a(uint m, uint k) { return w[(group_g * COUT_G + m) * (CIN_G * KHW) + k]; }

float load_b(uint k, uint n) {
  const uint ci = k / KHW, r = k % KHW;
  const uint ky = r / KW, kx = r % KW;
  const uint b = n / OHW, s = n % OHW;
  const uint oy = s / OW, ox = s % OW;
  // Unsigned wrap-around turns a negative row or column into one >= H or W.
  const uint iy = oy * STRIDE + ky - PAD;
  const uint ix = ox * STRIDE + kx - PAD;
  if (iy >= H || ix >= W) return 0.0;
  return float(x[((b * CIN + group_g * CIN_G + ci) * H + iy) * W + ix]);
}

void store_c(uint m, uint n, float acc) {
  const uint co = group_g * COUT_G + m;
  const uint b = n / OHW, s = n % OHW;
  y[(b * COUT + co) * OHW + s] = ACT_T(acc + bias[co]);
}

#include "gemm_tile.glsl"

void main() {
  group_g = gl_WorkGroupID.z;
  const uint N = BATCH * OHW;
  uint m0, n0;
  if (!gemm_tile_origin(COUT_G, N, m0, n0)) return;
  gemm_tile(COUT_G, N, CIN_G * KHW, m0, n0);
}
