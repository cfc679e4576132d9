#version 450
// General strided matrix product on the core in gemm_tile.glsl:
//
//   C[m, n] = (accumulate ? C[m, n] : 0) + sum_{k < K} A[m, k] * B[k, n]  (+ bias[n] or bias[m])
//   A[m, k] = a[m*A_SM + k*A_SK],  B[k, n] = b[k*B_SK + n*B_SN],  C[m, n] = c[m*C_SM + n*C_SN]
//
// Element strides make transposes free: the fully connected layer's y = x w^T + b, dx = dy w and
// dw = dy^T x are all this shader with different strides (alexnet::FcOp).
//
// B and C may each be larger than one storage-buffer binding can span (fc6's 9216 x 4096 weights
// are 144 MiB; Vulkan only guarantees maxStorageBufferRange = 128 MiB): each comes as two
// bindings, elements [0, *_HI_FIRST) in *_lo and [*_HI_FIRST, ...) in *_hi. When one binding
// spans the whole tensor, *_HI_FIRST = 0xffffffff and the same range is bound as both (only *_lo
// is then touched).
//
// Bindings:
//   0: a     A's elements
//   1: b_lo  B's elements [0, B_HI_FIRST)
//   2: b_hi  B's elements [B_HI_FIRST, ...)
//   3: bias  (N) or (M), per BIAS_MODE; any buffer when BIAS_MODE = 0 (not read)
//   4: c_lo  C's elements [0, C_HI_FIRST)
//   5: c_hi  C's elements [C_HI_FIRST, ...)
// Push constants: accumulate (uint, 0 or 1); alexnet::AccumulatePush mirrors them.
// Specialization constants:
//   0, 1, 2  workgroup size (x along N, y along M, z = 1)
//   3 GEMM_TM, 4 GEMM_TN, 5 GEMM_BK  (gemm_tile.glsl)
//   6 M, 7 N, 8 K, 9 A_SM, 10 A_SK, 11 B_SK, 12 B_SN, 13 C_SM, 14 C_SN,
//   15 BIAS_MODE (0 none, 1 bias[n], 2 bias[m]), 16 B_HI_FIRST, 17 C_HI_FIRST
// Dispatch: x/y = the flattened (M tiles x N tiles) grid, z = 1 (store_c relies on it).
// Variants (precision.glsl; bias and the sums stay fp32 in every one):
//   gemm_fp16        A and C fp16: the fc forward (x, y) and data gradient (dy, dx), fp32 weights
//   gemm_fp16_wgrad  A and B fp16: the fc weight gradient (dy, x), fp32 dw
//   gemm_coopmat, gemm_coopmat_wgrad  the same on the cooperative-matrix core (gemm_coopmat_nv.glsl;
//                    unmeasured)
//!variant fp16 ALEXNET_FP16 GEMM_A_FP16 GEMM_C_FP16
//!variant fp16_wgrad ALEXNET_FP16 GEMM_A_FP16 GEMM_B_FP16
//!variant coopmat ALEXNET_FP16 GEMM_A_FP16 GEMM_C_FP16 GEMM_COOPMAT_NV
//!variant coopmat_wgrad ALEXNET_FP16 GEMM_A_FP16 GEMM_B_FP16 GEMM_COOPMAT_NV
#include "common.glsl"
#include "precision.glsl"

#ifdef GEMM_A_FP16
#define A_T float16_t
#else
#define A_T float
#endif
#ifdef GEMM_B_FP16
#define B_T float16_t
#else
#define B_T float
#endif
#ifdef GEMM_C_FP16
#define C_T float16_t
#else
#define C_T float
#endif

layout(constant_id = 6) const uint M = 1;
layout(constant_id = 7) const uint N = 1;
layout(constant_id = 8) const uint K = 1;
layout(constant_id = 9) const uint A_SM = 1;
layout(constant_id = 10) const uint A_SK = 1;
layout(constant_id = 11) const uint B_SK = 1;
layout(constant_id = 12) const uint B_SN = 1;
layout(constant_id = 13) const uint C_SM = 1;
layout(constant_id = 14) const uint C_SN = 1;
layout(constant_id = 15) const uint BIAS_MODE = 0;
layout(constant_id = 16) const uint B_HI_FIRST = 0xffffffffu;
layout(constant_id = 17) const uint C_HI_FIRST = 0xffffffffu;

layout(std430, binding = 0) readonly buffer A { A_T a[]; };
layout(std430, binding = 1) readonly buffer BLo { B_T b_lo[]; };
layout(std430, binding = 2) readonly buffer BHi { B_T b_hi[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(std430, binding = 4) buffer CLo { C_T c_lo[]; };
layout(std430, binding = 5) buffer CHi { C_T c_hi[]; };
layout(push_constant) uniform Push { uint accumulate; };

// Stage each operand along whichever axis is contiguous in memory.
#define GEMM_A_K_FASTEST (A_SK == 1u)
#define GEMM_B_N_FASTEST (B_SN == 1u)

float load_a(uint m, uint k) { return float(a[m * A_SM + k * A_SK]); }

float load_b(uint k, uint n) {
  const uint i = k * B_SK + n * B_SN;
  if (i < B_HI_FIRST) return float(b_lo[i]);
  return float(b_hi[i - B_HI_FIRST]);
}

void store_c(uint m, uint n, float acc) {
  if (BIAS_MODE == 1u) acc += bias[n];
  if (BIAS_MODE == 2u) acc += bias[m];
  // The row stride goes through gl_NumWorkGroups.z (always 1 here), which the compiler cannot
  // know: with C_SM a plain constant, NVIDIA's driver (580.159, H100) merged the stores of
  // consecutive rows and lost the first element of every row after the first when a row was one
  // vec4 long (C_SM = N = 4; verify's fc N4 512 -> 4 forward and N1 4 -> 3 weight gradient).
  // Measured on that GPU: every fc check passes this way; stores within a row still combine.
  const uint i = m * (C_SM + gl_NumWorkGroups.z - 1u) + n * C_SN;
  if (i < C_HI_FIRST) {
    if (accumulate != 0) acc += float(c_lo[i]);
    c_lo[i] = C_T(acc);
  } else {
    const uint j = i - C_HI_FIRST;
    if (accumulate != 0) acc += float(c_hi[j]);
    c_hi[j] = C_T(acc);
  }
}

#include "gemm_tile.glsl"

void main() {
  uint m0, n0;
  if (!gemm_tile_origin(M, N, m0, n0)) return;
  gemm_tile(M, N, K, m0, n0);
}
