#version 450
// Convolution backward data (the input gradient) as an implicit GEMM on the core in
// gemm_tile.glsl:
//
//   dx[b, ci, iy, ix] = sum over co in ci's group and taps (ky, kx) with
//                       oy = (iy + PAD - ky) / STRIDE exact and in [0, OH) (likewise ox)
//                       of w[co, ci - g*CIN_G, ky, kx] * dy[b, co, oy, ox]
//
// Only taps with ky = (iy + PAD) mod STRIDE (mod STRIDE) can be exact, so the input positions are
// cut into STRIDE x STRIDE phases (qy, qx) = ((iy + PAD) mod STRIDE, (ix + PAD) mod STRIDE), and
// each phase is its own GEMM over its own taps only; at stride 4 (conv1) that is 16x less work
// than testing every tap. Per group g and phase, gl_WorkGroupID.z = (g * STRIDE + qy) * STRIDE + qx:
//   M = CIN/GROUPS                 m = ci in group
//   N = BATCH * NIY * NIX          n = (b, jy, jx): iy = IY0 + jy*STRIDE, ix = IX0 + jx*STRIDE
//   K = COUT/GROUPS * NKY * NKX    k = (co in group, a, c): ky = qy + a*STRIDE, kx = qx + c*STRIDE
//   A[m, k] = w[co, m, ky, kx],  B[k, n] = dy[b, co, BASE_Y + jy - a, BASE_X + jx - c] or 0
// with (IY0, BASE_Y) the first input row of the phase and the output row it reads with tap qy.
// NKY = ceil(KH / STRIDE) and NIY = ceil(H / STRIDE) are the most taps and rows any phase has, so
// every index divides by constants; a phase's missing taps (ky >= KH) read zero weights and its
// missing rows (iy >= H) are not stored. A phase with no taps at all (qy >= KH, e.g. a 1x1 kernel
// at stride 2) stores zeros: no output reads those inputs. At stride 1 there is one phase and
// this is the plain formulation.
//
// Bindings:
//   0: dy  (BATCH, COUT, OH, OW)
//   1: w   (COUT, CIN/GROUPS, KH, KW)
//   2: dx  (BATCH, CIN, H, W)
// Push constants: none.
// Specialization constants:
//   0, 1, 2  workgroup size (x along N, y along M, z = 1)
//   3 GEMM_TM, 4 GEMM_TN, 5 GEMM_BK  (gemm_tile.glsl)
//   6 BATCH, 7 CIN, 8 H, 9 W, 10 COUT, 11 KH, 12 KW, 13 STRIDE, 14 PAD, 15 OH, 16 OW, 17 GROUPS
// Dispatch: x/y = the flattened (M tiles x N tiles) grid, z = GROUPS * STRIDE * STRIDE.
// Variant conv2d_bwd_data_fp16 (precision.glsl): dy and dx fp16; w and the sum fp32.
// Variant conv2d_bwd_data_coopmat: the same storage on the cooperative-matrix core (gemm_coopmat_nv.glsl;
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

layout(std430, binding = 0) readonly buffer DY { ACT_T dy[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer DX { ACT_T dx[]; };

const uint NKY = (KH + STRIDE - 1) / STRIDE;
const uint NKX = (KW + STRIDE - 1) / STRIDE;
const uint NIY = (H + STRIDE - 1) / STRIDE;
const uint NIX = (W + STRIDE - 1) / STRIDE;

uint group_g;
uint qy, qx;          // this phase's tap residues
uint iy0, ix0;        // its first input row and column
uint base_y, base_x;  // the output row (column) that iy0 (ix0) reads with tap qy (qx)

// The smallest i >= 0 with (i + PAD) mod STRIDE == q; PAD mod STRIDE keeps the sum unsigned.
uint first_input(uint q) { return (q + STRIDE - PAD % STRIDE) % STRIDE; }

float load_a(uint m, uint k) {
  const uint co = k / (NKY * NKX), r = k % (NKY * NKX);
  const uint ky = qy + (r / NKX) * STRIDE, kx = qx + (r % NKX) * STRIDE;
  if (ky >= KH || kx >= KW) return 0.0;  // a tap this phase does not have
  return w[((group_g * COUT_G + co) * CIN_G + m) * KHW + ky * KW + kx];
}

float load_b(uint k, uint n) {
  const uint co = k / (NKY * NKX), r = k % (NKY * NKX);
  const uint b = n / (NIY * NIX), s = n % (NIY * NIX);
  // Unsigned wrap-around turns a negative output row or column into one >= OH or OW.
  const uint oy = base_y + s / NIX - r / NKX;
  const uint ox = base_x + s % NIX - r % NKX;
  if (oy >= OH || ox >= OW) return 0.0;
  return float(dy[((b * COUT + group_g * COUT_G + co) * OH + oy) * OW + ox]);
}

void store_c(uint m, uint n, float acc) {
  const uint b = n / (NIY * NIX), s = n % (NIY * NIX);
  const uint iy = iy0 + (s / NIX) * STRIDE, ix = ix0 + (s % NIX) * STRIDE;
  if (iy >= H || ix >= W) return;  // a position this phase does not have
  dx[((b * CIN + group_g * CIN_G + m) * H + iy) * W + ix] = ACT_T(acc);
}

#include "gemm_tile.glsl"

void main() {
  const uint phases = STRIDE * STRIDE;
  group_g = gl_WorkGroupID.z / phases;
  qy = (gl_WorkGroupID.z % phases) / STRIDE;
  qx = gl_WorkGroupID.z % STRIDE;
  iy0 = first_input(qy);
  ix0 = first_input(qx);
  base_y = (iy0 + PAD - qy) / STRIDE;
  base_x = (ix0 + PAD - qx) / STRIDE;

  const uint N = BATCH * NIY * NIX;
  uint m0, n0;
  if (!gemm_tile_origin(CIN_G, N, m0, n0)) return;
  gemm_tile(CIN_G, N, COUT_G * NKY * NKX, m0, n0);
}
