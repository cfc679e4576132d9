#version 450
// Register-tiled matrix product for CPU Vulkan drivers (lavapipe), the fast path there for every
// convolution and fully connected pass (alexnet::TexelGemm):
//
//   C[m, n] = (accumulate ? C[m, n] : 0) + sum_{k < K} A[m, k] * B[k, n]  (+ bias[m] or bias[n])
//
// Why it looks like this (measured on lavapipe, Mesa 22.3, 8-wide AVX2):
//   - a storage-buffer load whose address differs between invocations compiles to a scalar loop
//     over the SIMD lanes; a texel fetch compiles to vector gathers. Reading A and B through RGBA32F
//     texel buffers ran 13x faster than the same kernel over storage buffers;
//   - shared memory and barrier() cost more than they save on a CPU, so there are none: each
//     invocation keeps a TM x (4*TN4) tile of C in registers, and a workgroup is one SIMD row of
//     WG invocations side by side along N that share the same TM rows of A.
//
// Operand layouts (every texel is 4 consecutive floats; all strides are in floats, multiples of 4):
//   A_T = false: A[m, k] = a[m*LDA + k]   (K fastest)      A_T = true: A[m, k] = a[k*LDA + m]
//   B_T = false: B[k, n] = b[k*LDB + n]   (N fastest)      B_T = true: B[k, n] = b[n*LDB + k]
// Rows and columns past M and N are clamped on read (never stored); K past the end of the last
// block is masked to zero (with a select, so whatever lies there cannot turn the sum into NaN).
// C is written with scalar stores at
//   c[C_ZG*g + C_ZS*s + m*C_SM + (n / C_NDIV)*C_SN_HI + (n % C_NDIV)*C_SN_LO]
// which covers a plain row-major C (C_NDIV = 0xffffffff) and a convolution's NCHW output, where
// n = (image, position) (C_NDIV = OH*OW).
//
// Workgroup z = s*ZG + g: g picks a group (each operand offset by *_ZG per group, in floats) and s a
// slice of K: slice s sums k in [s*KC, min(K, (s+1)*KC)) and stores its partial sum at
// C + s*C_ZS, without bias or accumulate; the host then adds the slices in order (sum_slices.comp),
// so the result is deterministic. With one slice, KC >= K and C_ZS is unused.
//
// llvmpipe stops a shader after 65535 loop iterations: the only loop is over K/4 blocks of one
// slice, so the host keeps KC <= 4 * 65535 (alexnet::TexelGemm slices larger K).
//
// Bindings:
//   0: a     uniform texel buffer (RGBA32F) over A's floats
//   1: b     uniform texel buffer (RGBA32F) over B's floats
//   2: bias  uniform texel buffer (R32F); any buffer when BIAS_MODE = 0 (not read)
//   3: c     storage texel buffer (R32F) over C's floats (a texel buffer spans far more than a
//            storage buffer may: a batch's im2col gradient can pass 128 MiB)
// Push constants: accumulate (uint, 0 or 1); alexnet::AccumulatePush mirrors them.
// Specialization constants:
//   0 WG (local size x, invocations along N), 1, 2 = 1
//   3 TM (rows per workgroup, multiple of 4), 4 TN4 (column quads per invocation)
//   5 M, 6 N, 7 K, 8 A_T, 9 LDA, 10 B_T, 11 LDB, 12 C_SM, 13 C_NDIV, 14 C_SN_HI, 15 C_SN_LO,
//   16 BIAS_MODE (0 none, 1 bias[n], 2 bias[m]), 17 ZG, 18 A_ZG, 19 B_ZG, 20 C_ZG, 21 BIAS_ZG,
//   22 KC, 23 C_ZS
// Dispatch: x/y = linear_groups(ceil(M / TM) * ceil(N / (4*TN4*WG)) workgroups), z = ZG * slices.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"

layout(constant_id = 3) const uint TM = 16;
layout(constant_id = 4) const uint TN4 = 4;
layout(constant_id = 5) const uint M = 1;
layout(constant_id = 6) const uint N = 1;
layout(constant_id = 7) const uint K = 1;
layout(constant_id = 8) const bool A_T = false;
layout(constant_id = 9) const uint LDA = 4;
layout(constant_id = 10) const bool B_T = false;
layout(constant_id = 11) const uint LDB = 4;
layout(constant_id = 12) const uint C_SM = 1;
layout(constant_id = 13) const uint C_NDIV = 0xffffffffu;
layout(constant_id = 14) const uint C_SN_HI = 0;
layout(constant_id = 15) const uint C_SN_LO = 1;
layout(constant_id = 16) const uint BIAS_MODE = 0;
layout(constant_id = 17) const uint ZG = 1;
layout(constant_id = 18) const uint A_ZG = 0;
layout(constant_id = 19) const uint B_ZG = 0;
layout(constant_id = 20) const uint C_ZG = 0;
layout(constant_id = 21) const uint BIAS_ZG = 0;
layout(constant_id = 22) const uint KC = 0xffffffffu;
layout(constant_id = 23) const uint C_ZS = 0;

layout(binding = 0) uniform samplerBuffer a;
layout(binding = 1) uniform samplerBuffer b;
layout(binding = 2) uniform samplerBuffer bias;
layout(binding = 3, r32f) uniform imageBuffer c;
layout(push_constant) uniform Push { uint accumulate; };

const uint TN = 4 * TN4;
const int LDA4 = int(LDA / 4);
const int LDB4 = int(LDB / 4);

// Per invocation: rows m0 .. m0+TM of A (the same for the whole workgroup) and columns
// n0 .. n0+TN of B.
uint m0, n0;
int a_base, b_base;  // texel offsets of this group's A and B

// av[i][kk] = A[m0 + i, 4*k4 + kk] for i < TM, rows clamped to M - 1, k clamped to K - 1.
// The current K block of A and B, filled by load_a / load_b. (Module scope, not out-parameters:
// spirv-opt drops the writes to an out-parameter array whose size is a specialization expression.)
vec4 av[TM];
vec4 bv[4 * TN4];

void load_a(int k4) {
  if (!A_T) {
    [[unroll]] for (uint i = 0; i < TM; ++i)
      av[i] = texelFetch(a, a_base + int(min(m0 + i, M - 1)) * LDA4 + k4);
  } else {
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      const int row = int(min(uint(4 * k4) + kk, K - 1)) * LDA4;
      [[unroll]] for (uint p = 0; p < TM / 4; ++p) {
        const vec4 t = texelFetch(a, a_base + row + int(min(m0 / 4 + p, (M - 1) / 4)));
        [[unroll]] for (uint r = 0; r < 4; ++r) av[4 * p + r][kk] = t[r];
      }
    }
  }
}

// bv[kk*TN4 + q][r] = B[4*k4 + kk, n0 + 4*q + r], columns clamped to N - 1, k to K - 1.
void load_b(int k4) {
  if (!B_T) {
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      const int row = b_base + int(min(uint(4 * k4) + kk, K - 1)) * LDB4;
      [[unroll]] for (uint q = 0; q < TN4; ++q)
        bv[kk * TN4 + q] = texelFetch(b, row + int(min(n0 / 4 + q, (N - 1) / 4)));
    }
  } else {
    [[unroll]] for (uint q = 0; q < TN4; ++q)
      [[unroll]] for (uint r = 0; r < 4; ++r) {
        const vec4 t = texelFetch(b, b_base + int(min(n0 + 4 * q + r, N - 1)) * LDB4 + k4);
        [[unroll]] for (uint kk = 0; kk < 4; ++kk) bv[kk * TN4 + q][r] = t[kk];
      }
  }
}

void main() {
  // The (M blocks x N blocks) grid, flattened over x and y like vkrt::linear_groups.
  // M blocks vary fastest, so that workgroups running at about the same time share one strip of
  // B (the big operand: the unrolled windows) while it is in cache.
  const uint n_blocks = (N + TN * gl_WorkGroupSize.x - 1) / (TN * gl_WorkGroupSize.x);
  const uint m_blocks = (M + TM - 1) / TM;
  const uint tile = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (tile >= n_blocks * m_blocks) return;
  const uint g = gl_WorkGroupID.z % ZG;
  const uint s = gl_WorkGroupID.z / ZG;
  m0 = (tile % m_blocks) * TM;
  n0 = ((tile / m_blocks) * gl_WorkGroupSize.x + gl_LocalInvocationID.x) * TN;
  a_base = int(g * A_ZG / 4);
  b_base = int(g * B_ZG / 4);
  const uint k_begin = s * KC;
  const uint k_end = min(K, k_begin + KC);

  vec4 acc[TM * TN4];
  [[unroll]] for (uint i = 0; i < TM * TN4; ++i) acc[i] = vec4(0.0);

  const int full_end = int(k_end / 4);
  for (int k4 = int(k_begin / 4); k4 < full_end; ++k4) {
    load_a(k4);
    load_b(k4);
    [[unroll]] for (uint i = 0; i < TM; ++i)
      [[unroll]] for (uint kk = 0; kk < 4; ++kk)
        [[unroll]] for (uint q = 0; q < TN4; ++q)
          acc[i * TN4 + q] = fma(vec4(av[i][kk]), bv[kk * TN4 + q], acc[i * TN4 + q]);
  }
  const uint tail = k_end % 4;  // k_begin is a multiple of 4 (KC is)
  if (tail != 0) {
    load_a(full_end);
    load_b(full_end);
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      if (kk >= tail) break;
      [[unroll]] for (uint i = 0; i < TM; ++i)
        [[unroll]] for (uint q = 0; q < TN4; ++q)
          acc[i * TN4 + q] = fma(vec4(av[i][kk]), bv[kk * TN4 + q], acc[i * TN4 + q]);
    }
  }

  const bool sliced = KC < K;
  const uint c_base = g * C_ZG + s * C_ZS;
  [[unroll]] for (uint i = 0; i < TM; ++i) {
    const uint m = m0 + i;
    if (m >= M) break;
    float row_bias = 0.0;
    if (BIAS_MODE == 2u && !sliced) row_bias = texelFetch(bias, int(g * BIAS_ZG + m)).x;
    [[unroll]] for (uint q = 0; q < TN4; ++q)
      [[unroll]] for (uint r = 0; r < 4; ++r) {
        const uint n = n0 + 4 * q + r;
        if (n >= N) break;
        float v = acc[i * TN4 + q][r] + row_bias;
        if (BIAS_MODE == 1u && !sliced) v += texelFetch(bias, int(g * BIAS_ZG + n)).x;
        const uint at = c_base + m * C_SM + (n / C_NDIV) * C_SN_HI + (n % C_NDIV) * C_SN_LO;
        if (accumulate != 0u && !sliced) v += imageLoad(c, int(at)).x;
        imageStore(c, int(at), vec4(v));
      }
  }
}
