// The one tiled GEMM core behind gemm.comp and the three convolution passes:
//
//   C[m, n] = sum_{k < K} A[m, k] * B[k, n]      for m < M, n < N
//
// The including shader says where A, B and C live by defining, BEFORE including this file,
//   float load_a(uint m, uint k);              called only for m < M, k < K
//   float load_b(uint k, uint n);              called only for k < K, n < N
//   void  store_c(uint m, uint n, float acc);  called only for m < M, n < N
// (an implicit-GEMM convolution gathers its im2col column inside load_b), and optionally
//   #define GEMM_A_K_FASTEST <bool>   (default true)  which way consecutive invocations walk A
//   #define GEMM_B_N_FASTEST <bool>   (default true)  ... and B when staging a tile,
// so that staging reads consecutive addresses of whichever axis is contiguous in memory.
//
// Tiling. A workgroup of WG_N x WG_M invocations (local size x along N, y along M; spec ids 0, 1)
// owns a BM x BN block of C, BM = TM * WG_M, BN = TN * WG_N. It walks K in steps of BK, staging a
// BM x BK slice of A and a BK x BN slice of B in shared memory as vec4s of 4 consecutive rows
// (columns), zero-filled past M, N and K, and each invocation accumulates a TM x TN register tile
// in fp32 with fma. TM and TN are multiples of 4: invocation (tx, ty) owns the row quads
// ty + p*WG_M and the column quads tx + q*WG_N, so each K step it reads TM/4 + TN/4 vec4s from
// shared memory (neighbouring invocations read neighbouring vec4s) and neighbouring invocations
// write neighbouring 4-column runs of C.
//
// Every loop inside a K step has a trip count fixed by the specialization constants and is
// unrolled, so the loop over K steps is the only one left: llvmpipe (lavapipe) ends a shader
// after 65535 loop iterations counted over all its loops, which a rolled inner loop would reach
// at K = 65535; this way it takes K = 65535 * BK (the host deepens BK for a huge K there).
//
// Specialization constants declared here (the including shader's own start at id 6):
//   3 GEMM_TM, 4 GEMM_TN: outputs per invocation along M and N (multiples of 4)
//   5 GEMM_BK: K step staged in shared memory
// The host picks all five tile numbers per shape and device (alexnet::choose_gemm_tile), so a
// device-specific choice never needs a new shader.
//
// Dispatch: the (M tiles x N tiles) grid is flattened over gl_WorkGroupID.x/y (so large counts
// can spill past 65535 into y); gl_WorkGroupID.z is left to the including shader (group, phase).
#ifndef ALEXNET_GEMM_TILE_GLSL
#define ALEXNET_GEMM_TILE_GLSL

// A variant defining GEMM_COOPMAT_NV gets the cooperative-matrix core instead, with the same
// functions and specialization ids (gemm_coopmat_nv.glsl; unmeasured).
#ifdef GEMM_COOPMAT_NV
#include "gemm_coopmat_nv.glsl"
#else

#extension GL_EXT_control_flow_attributes : require

layout(constant_id = 3) const uint GEMM_TM = 4;
layout(constant_id = 4) const uint GEMM_TN = 4;
layout(constant_id = 5) const uint GEMM_BK = 16;

#ifndef GEMM_A_K_FASTEST
#define GEMM_A_K_FASTEST true
#endif
#ifndef GEMM_B_N_FASTEST
#define GEMM_B_N_FASTEST true
#endif

const uint GEMM_WG_N = gl_WorkGroupSize.x;
const uint GEMM_WG_M = gl_WorkGroupSize.y;
const uint GEMM_THREADS = GEMM_WG_M * GEMM_WG_N;
const uint GEMM_TM4 = GEMM_TM / 4;           // vec4s per invocation along M
const uint GEMM_TN4 = GEMM_TN / 4;           // ... and along N
const uint GEMM_BM4 = GEMM_TM4 * GEMM_WG_M;  // vec4s per block along M
const uint GEMM_BN4 = GEMM_TN4 * GEMM_WG_N;
const uint GEMM_BM = 4 * GEMM_BM4;
const uint GEMM_BN = 4 * GEMM_BN4;
// Staging rounds: every invocation stages up to this many vec4s of each tile per K step.
const uint GEMM_A_ROUNDS = (GEMM_BM4 * GEMM_BK + GEMM_THREADS - 1) / GEMM_THREADS;
const uint GEMM_B_ROUNDS = (GEMM_BK * GEMM_BN4 + GEMM_THREADS - 1) / GEMM_THREADS;

shared vec4 gemm_a_tile[GEMM_BK * GEMM_BM4];  // [kk][mm / 4]
shared vec4 gemm_b_tile[GEMM_BK * GEMM_BN4];  // [kk][nn / 4]

// This workgroup's block origin in the flattened (M tiles x N tiles) grid for an M x N product;
// false when the workgroup lies past the last tile (a whole workgroup returns together, before any
// barrier). N is the extent used to lay out the grid: a shader whose N varies along z passes the
// largest.
bool gemm_tile_origin(uint M, uint N, out uint m0, out uint n0) {
  m0 = 0;
  n0 = 0;
  const uint n_tiles = (N + GEMM_BN - 1) / GEMM_BN;
  if (n_tiles == 0) return false;
  const uint tile = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  m0 = (tile / n_tiles) * GEMM_BM;
  n0 = (tile % n_tiles) * GEMM_BN;
  return m0 < M;
}

// Computes the BM x BN block of C at (m0, n0), summed over k in [K0, K1) only (a K slice;
// K0 a multiple of GEMM_BK), and stores its in-range elements. An empty range stores 0s. M, N, K0
// and K1 must be the same for the whole workgroup.
void gemm_tile_range(uint M, uint N, uint K0, uint K1, uint m0, uint n0) {
  const uint tx = gl_LocalInvocationID.x;
  const uint ty = gl_LocalInvocationID.y;
  const uint tid = ty * GEMM_WG_N + tx;

  // acc[(p*4 + r) * TN4 + q] holds row 4*(ty + p*WG_M) + r, columns 4*(tx + q*WG_N) + 0..3.
  vec4 acc[GEMM_TM * GEMM_TN4];
  [[unroll]] for (uint i = 0; i < GEMM_TM * GEMM_TN4; ++i) acc[i] = vec4(0.0);

  for (uint k0 = K0; k0 < K1; k0 += GEMM_BK) {
    // Stage A[m0 .. m0+BM, k0 .. k0+BK) and B[k0 .. k0+BK, n0 .. n0+BN) as vec4s of 4 rows
    // (4 columns), zero past the edges.
    [[unroll]] for (uint r = 0; r < GEMM_A_ROUNDS; ++r) {
      const uint e = tid + r * GEMM_THREADS;
      if (e >= GEMM_BM4 * GEMM_BK) break;
      const uint m4 = GEMM_A_K_FASTEST ? e / GEMM_BK : e % GEMM_BM4;
      const uint kk = GEMM_A_K_FASTEST ? e % GEMM_BK : e / GEMM_BM4;
      const uint m = m0 + 4 * m4, k = k0 + kk;
      vec4 v = vec4(0.0);
      if (k < K1) {
        if (m < M) v.x = load_a(m, k);
        if (m + 1 < M) v.y = load_a(m + 1, k);
        if (m + 2 < M) v.z = load_a(m + 2, k);
        if (m + 3 < M) v.w = load_a(m + 3, k);
      }
      gemm_a_tile[kk * GEMM_BM4 + m4] = v;
    }
    [[unroll]] for (uint r = 0; r < GEMM_B_ROUNDS; ++r) {
      const uint e = tid + r * GEMM_THREADS;
      if (e >= GEMM_BK * GEMM_BN4) break;
      const uint n4 = GEMM_B_N_FASTEST ? e % GEMM_BN4 : e / GEMM_BK;
      const uint kk = GEMM_B_N_FASTEST ? e / GEMM_BN4 : e % GEMM_BK;
      const uint k = k0 + kk, n = n0 + 4 * n4;
      vec4 v = vec4(0.0);
      if (k < K1) {
        if (n < N) v.x = load_b(k, n);
        if (n + 1 < N) v.y = load_b(k, n + 1);
        if (n + 2 < N) v.z = load_b(k, n + 2);
        if (n + 3 < N) v.w = load_b(k, n + 3);
      }
      gemm_b_tile[kk * GEMM_BN4 + n4] = v;
    }
    barrier();

    [[unroll]] for (uint kk = 0; kk < GEMM_BK; ++kk) {
      vec4 a[GEMM_TM4];
      vec4 b[GEMM_TN4];
      [[unroll]] for (uint p = 0; p < GEMM_TM4; ++p)
        a[p] = gemm_a_tile[kk * GEMM_BM4 + ty + p * GEMM_WG_M];
      [[unroll]] for (uint q = 0; q < GEMM_TN4; ++q)
        b[q] = gemm_b_tile[kk * GEMM_BN4 + tx + q * GEMM_WG_N];
      [[unroll]] for (uint p = 0; p < GEMM_TM4; ++p)
        [[unroll]] for (uint r = 0; r < 4; ++r)
          [[unroll]] for (uint q = 0; q < GEMM_TN4; ++q) {
            const uint i = (p * 4 + r) * GEMM_TN4 + q;
            acc[i] = fma(vec4(a[p][r]), b[q], acc[i]);
          }
    }
    barrier();  // before the next step overwrites the tiles
  }

  [[unroll]] for (uint p = 0; p < GEMM_TM4; ++p)
    [[unroll]] for (uint r = 0; r < 4; ++r) {
      const uint m = m0 + 4 * (ty + p * GEMM_WG_M) + r;
      if (m >= M) continue;
      [[unroll]] for (uint q = 0; q < GEMM_TN4; ++q) {
        const uint n = n0 + 4 * (tx + q * GEMM_WG_N);
        const vec4 c = acc[(p * 4 + r) * GEMM_TN4 + q];
        if (n < N) store_c(m, n, c.x);
        if (n + 1 < N) store_c(m, n + 1, c.y);
        if (n + 2 < N) store_c(m, n + 2, c.z);
        if (n + 3 < N) store_c(m, n + 3, c.w);
      }
    }
}

// The whole sum, k in [0, K). K may be 0 (every element then stores 0).
void gemm_tile(uint M, uint N, uint K, uint m0, uint n0) { gemm_tile_range(M, N, 0, K, m0, n0); }

#endif  // GEMM_COOPMAT_NV

#endif
