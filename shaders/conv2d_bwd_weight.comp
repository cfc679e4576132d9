#version 450
// Convolution weight gradient (dw, summed over the batch) as an implicit GEMM
// per group g, on the core in gemm_tile.glsl:
//
//   dw[g*M + m, n] = (accumulate ? dw[g*M + m, n] : 0) + sum_k dy[b, g*M + m, oy, ox] * col[k, n]
//   M = COUT/GROUPS, N = CIN/GROUPS*KH*KW (n = (ci in group, ky, kx)), K = BATCH*OH*OW (k = (b, oy, ox))
//   col[k, n] = x[b, g*CIN_G + ci, oy*STRIDE - PAD + ky, ox*STRIDE - PAD + kx], zero outside.
//
// `accumulate` lets the trainer sum micro-batches into one gradient without a separate add.
//
// K slices: K is huge next to M x N (conv1: 96 x 363 outputs, K = batch * 55 * 55), so in one
// piece a GPU gets a dozen workgroups. With SLICES > 1, slice s sums k in its own range of
// SLICE_K and writes its partial product to part[s][...] (dw's layout); sum_slices.comp then adds
// the slices in order into dw (deterministic: no atomics).
//
// Bindings:
//   0: dy  (BATCH, COUT, OH, OW)
//   1: x   (BATCH, CIN, H, W)
//   2: dw  (COUT, CIN/GROUPS, KH, KW); not touched when SLICES > 1
//   3: part  (SLICES, COUT, CIN/GROUPS, KH, KW) partial sums when SLICES > 1; any buffer otherwise
// Push constants: accumulate (uint, 0 or 1); alexnet::AccumulatePush mirrors them.
// Specialization constants:
//   0, 1, 2  workgroup size (x along N, y along M, z = 1)
//   3 GEMM_TM, 4 GEMM_TN, 5 GEMM_BK  (gemm_tile.glsl)
//   6 BATCH, 7 CIN, 8 H, 9 W, 10 COUT, 11 KH, 12 KW, 13 STRIDE, 14 PAD, 15 OH, 16 OW, 17 GROUPS,
//   18 SLICES, 19 SLICE_K (a multiple of GEMM_BK; SLICES * SLICE_K >= K; unread when SLICES = 1)
// Dispatch: x/y = the flattened (M tiles x N tiles) grid, z = SLICES * GROUPS (z = s * GROUPS + g).
// Variant conv2d_bwd_weight_fp16 (precision.glsl): dy and x fp16; dw, the partial sums and the
// sum fp32.
// Variant conv2d_bwd_weight_coopmat: the same storage on the cooperative-matrix core (gemm_coopmat_nv.glsl;
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
layout(constant_id = 18) const uint SLICES = 1;
layout(constant_id = 19) const uint SLICE_K = 1;

const uint CIN_G = CIN / GROUPS;
const uint COUT_G = COUT / GROUPS;
const uint KHW = KH * KW;
const uint OHW = OH * OW;

layout(std430, binding = 0) readonly buffer DY { ACT_T dy[]; };
layout(std430, binding = 1) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 2) buffer DW { float dw[]; };
layout(std430, binding = 3) writeonly buffer Part { float part[]; };
layout(push_constant) uniform Push { uint accumulate; };

uint group_g, slice_s;

// Both operands are contiguous along K (output positions), so stage both along K.
#define GEMM_A_K_FASTEST true
#define GEMM_B_N_FASTEST false

float load_a(uint m, uint k) {
  const uint b = k / OHW, s = k % OHW;
  return float(dy[(b * COUT + group_g * COUT_G + m) * OHW + s]);
}

float load_b(uint k, uint n) {
  const uint ci = n / KHW, r = n % KHW;
  const uint ky = r / KW, kx = r % KW;
  const uint b = k / OHW, s = k % OHW;
  const uint oy = s / OW, ox = s % OW;
  // Unsigned wrap-around turns a negative row or column into one >= H or W.
  const uint iy = oy * STRIDE + ky - PAD;
  const uint ix = ox * STRIDE + kx - PAD;
  if (iy >= H || ix >= W) return 0.0;
  return float(x[((b * CIN + group_g * CIN_G + ci) * H + iy) * W + ix]);
}

void store_c(uint m, uint n, float acc) {
  const uint i = (group_g * COUT_G + m) * (CIN_G * KHW) + n;
  if (SLICES > 1u) {
    part[slice_s * (COUT * CIN_G * KHW) + i] = acc;
    return;
  }
  if (accumulate != 0) acc += dw[i];
  dw[i] = acc;
}

#include "gemm_tile.glsl"

void main() {
  group_g = gl_WorkGroupID.z % GROUPS;
  slice_s = gl_WorkGroupID.z / GROUPS;
  const uint N = CIN_G * KHW;
  const uint K = BATCH * OHW;
  uint m0, n0;
  if (!gemm_tile_origin(COUT_G, N, m0, n0)) return;
  const uint slice_k = SLICES > 1u ? SLICE_K : K;
  const uint k0 = min(K, slice_s * slice_k);
  gemm_tile_range(COUT_G, N, k0, min(K, k0 + slice_k), m0, n0);
}
