// The cooperative-matrix GEMM core (GL_NV_cooperative_matrix): the same contract as gemm_tile.glsl,
// which includes this file instead of its own body when the variant defines GEMM_COOPMAT_NV.
//
// UNMEASURED: compiled at every build, never yet run on a device with cooperative matrices (the
// machines this was written on had none). The host never picks it by itself (GemmPath::CoopMat is
// asked for explicitly), and verify lists its checks as skipped where the device lacks it.
//
//   C[m, n] = sum_{k < K} A[m, k] * B[k, n]
//
// with the including shader's load_a / load_b / store_c (see gemm_tile.glsl). Each K step stages a
// BM x BK slice of A and a BK x BN slice of B in shared memory as fp16 (row-major, strides BK and
// BN; zero past M, N and K), whatever the operands' storage: the products then run on the matrix
// units as 16 x 16 x 16 fp16 multiplies with fp32 accumulation (coopMatMulAddNV), so an fp32
// operand is rounded to fp16 once per use (the verify bound counts both operands as rounded).
//
// Tiling. The workgroup is WG_N x WG_M invocations (spec ids 0, 1) forming SUBGROUPS = WG_N * WG_M
// / 32 subgroups of 32 (the host checks the device's subgroup size is 32); the block is BM = TM *
// WG_M by BN = TN * WG_N as in gemm_tile.glsl, BM, BN and BK multiples of 16. The block holds
// (BM/16) x (BN/16) fragments of C; subgroup s owns the fragments f = s + i * SUBGROUPS, i <
// FRAGS_PER_SUBGROUP (the host makes the count divide evenly). After the last K step each subgroup
// stores its fp32 fragments to shared memory and every invocation hands its share of the block's
// in-range elements to store_c.
//
// Needs the device features cooperativeMatrix (VK_NV_cooperative_matrix, with a 16x16x16
// fp16 x fp16 + fp32 shape), shaderFloat16 (fp16 in shared memory) and storageBuffer16BitAccess
// (for the fp16 storage of the variants that include it).
#ifndef ALEXNET_GEMM_COOPMAT_NV_GLSL
#define ALEXNET_GEMM_COOPMAT_NV_GLSL

#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require

layout(constant_id = 3) const uint GEMM_TM = 16;
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
const uint GEMM_BM = GEMM_TM * GEMM_WG_M;
const uint GEMM_BN = GEMM_TN * GEMM_WG_N;
const uint GEMM_SUBGROUPS = GEMM_THREADS / 32;
const uint GEMM_FM = GEMM_BM / 16;  // fragments along M
const uint GEMM_FN = GEMM_BN / 16;  // ... and along N
const uint GEMM_FRAGS = GEMM_FM * GEMM_FN / GEMM_SUBGROUPS;  // per subgroup
const uint GEMM_A_ROUNDS = (GEMM_BM * GEMM_BK + GEMM_THREADS - 1) / GEMM_THREADS;
const uint GEMM_B_ROUNDS = (GEMM_BK * GEMM_BN + GEMM_THREADS - 1) / GEMM_THREADS;
const uint GEMM_C_ROUNDS = (GEMM_BM * GEMM_BN + GEMM_THREADS - 1) / GEMM_THREADS;

shared float16_t gemm_a_tile[GEMM_BM * GEMM_BK];  // [mm][kk]
shared float16_t gemm_b_tile[GEMM_BK * GEMM_BN];  // [kk][nn]
shared float gemm_c_tile[GEMM_BM * GEMM_BN];      // [mm][nn], after the last K step

// As in gemm_tile.glsl: this workgroup's block origin in the flattened (M tiles x N tiles) grid.
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

// Stages A[m0 .., k0 ..) and B[k0 .., n0 ..) as fp16, zero past M, N and K1.
void gemm_stage(uint M, uint N, uint K1, uint m0, uint n0, uint k0, uint tid) {
  [[unroll]] for (uint r = 0; r < GEMM_A_ROUNDS; ++r) {
    const uint e = tid + r * GEMM_THREADS;
    if (e >= GEMM_BM * GEMM_BK) break;
    const uint mm = GEMM_A_K_FASTEST ? e / GEMM_BK : e % GEMM_BM;
    const uint kk = GEMM_A_K_FASTEST ? e % GEMM_BK : e / GEMM_BM;
    const uint m = m0 + mm, k = k0 + kk;
    gemm_a_tile[mm * GEMM_BK + kk] = float16_t(m < M && k < K1 ? load_a(m, k) : 0.0);
  }
  [[unroll]] for (uint r = 0; r < GEMM_B_ROUNDS; ++r) {
    const uint e = tid + r * GEMM_THREADS;
    if (e >= GEMM_BK * GEMM_BN) break;
    const uint nn = GEMM_B_N_FASTEST ? e % GEMM_BN : e / GEMM_BK;
    const uint kk = GEMM_B_N_FASTEST ? e / GEMM_BN : e % GEMM_BK;
    const uint k = k0 + kk, n = n0 + nn;
    gemm_b_tile[kk * GEMM_BN + nn] = float16_t(k < K1 && n < N ? load_b(k, n) : 0.0);
  }
}

// The block of C at (m0, n0) summed over k in [K0, K1) (K0 a multiple of GEMM_BK), as
// gemm_tile_range in gemm_tile.glsl. M, N, K0 and K1 must be the same for the whole workgroup.
void gemm_tile_range(uint M, uint N, uint K0, uint K1, uint m0, uint n0) {
  const uint tid = gl_LocalInvocationID.y * GEMM_WG_N + gl_LocalInvocationID.x;
  const uint subgroup = tid / 32;

  fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> acc[GEMM_FRAGS];
  [[unroll]] for (uint i = 0; i < GEMM_FRAGS; ++i) acc[i] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);

  for (uint k0 = K0; k0 < K1; k0 += GEMM_BK) {
    gemm_stage(M, N, K1, m0, n0, k0, tid);
    barrier();
    [[unroll]] for (uint kk = 0; kk < GEMM_BK; kk += 16) {
      [[unroll]] for (uint i = 0; i < GEMM_FRAGS; ++i) {
        const uint f = subgroup + i * GEMM_SUBGROUPS;
        const uint fm = f / GEMM_FN, fn = f % GEMM_FN;
        fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> a, b;
        coopMatLoadNV(a, gemm_a_tile, (fm * 16) * GEMM_BK + kk, GEMM_BK, false);
        coopMatLoadNV(b, gemm_b_tile, kk * GEMM_BN + fn * 16, GEMM_BN, false);
        acc[i] = coopMatMulAddNV(a, b, acc[i]);
      }
    }
    barrier();  // before the next step overwrites the tiles
  }

  [[unroll]] for (uint i = 0; i < GEMM_FRAGS; ++i) {
    const uint f = subgroup + i * GEMM_SUBGROUPS;
    const uint fm = f / GEMM_FN, fn = f % GEMM_FN;
    coopMatStoreNV(acc[i], gemm_c_tile, (fm * 16) * GEMM_BN + fn * 16, GEMM_BN, false);
  }
  barrier();
  [[unroll]] for (uint r = 0; r < GEMM_C_ROUNDS; ++r) {
    const uint e = tid + r * GEMM_THREADS;
    if (e >= GEMM_BM * GEMM_BN) break;
    const uint m = m0 + e / GEMM_BN, n = n0 + e % GEMM_BN;
    if (m < M && n < N) store_c(m, n, gemm_c_tile[e]);
  }
}

void gemm_tile(uint M, uint N, uint K, uint m0, uint n0) { gemm_tile_range(M, N, 0, K, m0, n0); }

#endif
