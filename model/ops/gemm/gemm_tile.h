// The shared-memory GEMM path (GPUs): the tiling of shaders/gemm_tile.glsl, its choice per
// device and shape, its pipeline description and workgroup grid, and the K slicing that spreads a
// long sum over more workgroups. Conv2dOp and FcOp build their tiled pipelines from these.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

// The smallest power of two >= v, but at most `cap` (a power of two).
std::uint32_t pow2_at_least(std::uint64_t v, std::uint32_t cap);
inline std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

// The tiling of shaders/gemm_tile.glsl: a workgroup of wg_n x wg_m invocations (local size x, y)
// computes a bm() x bn() block of C, each invocation a tm x tn register tile (multiples of 4),
// stepping K by bk.
// Shared by every GEMM-shaped op (Conv2dOp, FcOp).
struct GemmTile {
  std::uint32_t wg_m = 16, wg_n = 16;
  std::uint32_t tm = 4, tn = 4;
  std::uint32_t bk = 16;
  std::uint32_t bm() const { return tm * wg_m; }
  std::uint32_t bn() const { return tn * wg_n; }
};

// How a GEMM's sum over k is cut into slices that run as separate workgroups and are then added
// in order by sum_slices.comp: a product with few output tiles and a long k (the convolution
// weight gradients, k = batch x output positions) would otherwise occupy a few of a GPU's cores.
struct KSlices {
  std::uint32_t slices = 1;
  std::uint32_t slice_k = 0;  // k per slice, a multiple of the tile's bk; 0 when slices = 1
};
KSlices choose_k_slices(std::uint64_t workgroups, std::uint64_t k, std::uint32_t bk, std::uint64_t outputs);

// A tiling for an m x n output summed over k that fits the device's workgroup and shared-memory
// limits and does not pad a small dimension up to a big tile (conv1's data gradient has m = 3).
// tm and tn are multiples of 4 (the core stages and reads vec4s).
GemmTile choose_gemm_tile(const vkrt::Context& context, std::uint64_t m, std::uint64_t n, std::uint64_t k);

// The tiling of the cooperative-matrix core (shaders/gemm_coopmat_nv.glsl): 4 subgroups of 32 (32 x 4
// invocations) on a 64 x 64 block of 16 fragments, K steps of 32. Throws vkrt::Error when the
// device's workgroup or shared-memory limits cannot hold it. Unmeasured.
GemmTile coopmat_gemm_tile(const vkrt::Context& context);

// The pipeline description for a shader built on gemm_tile.glsl: local size from the tile, spec
// ids 3-5 the tile, then `shape` from id 6 on.
vkrt::KernelDesc gemm_kernel_desc(const char* shader, const GemmTile& tile, std::vector<vkrt::SpecValue> shape);

// Workgroups for the (m tiles x n tiles) grid flattened over x/y as gemm_tile_origin() reads it,
// and `z` along z (groups, phases). Throws vkrt::Error when the grid cannot be expressed.
vkrt::Groups gemm_groups(const GemmTile& tile, std::uint64_t m, std::uint64_t n, std::uint32_t z = 1);

}  // namespace alexnet
