#include "model/ops/gemm/gemm_tile.h"

#include <algorithm>
#include <limits>
#include <string>

#include "runtime/context.h"
#include "runtime/error.h"

namespace alexnet {

std::uint32_t pow2_at_least(std::uint64_t v, std::uint32_t cap) {
  std::uint32_t p = 1;
  while (p < v && p < cap) p *= 2;
  return p;
}

GemmTile choose_gemm_tile(const vkrt::Context& context, std::uint64_t m, std::uint64_t n, std::uint64_t k) {
  const auto& limits = context.limits();
  GemmTile t;
  const bool cpu = context.info().is_cpu();
  if (cpu) {
    // CPU drivers (lavapipe) run an invocation per SIMD lane; a shared-memory load costs a scalar
    // load per lane, while accumulators past the register file only spill to the stack. So big
    // products take the 8 x 8 register tile (a quarter of a load per multiply-add) and small ones
    // the 4 x 4, which compiles in half the time (lavapipe compiles each pipeline on first use,
    // ~0.5 s vs ~1 s, which dominates a small check). Rows of 8 invocations along N, and wg_m
    // fitted to M where it can be (workgroup sizes need not be powers of two).
    const bool big = m * n * k >= (std::uint64_t(1) << 25);
    t.tm = big && m > 4 ? 8 : 4;
    t.tn = big ? 8 : 4;
    t.wg_m = static_cast<std::uint32_t>(std::min<std::uint64_t>(16, ceil_div(m, t.tm)));
    t.wg_n = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(ceil_div(n, t.tn), 1, t.wg_m == 1 ? 32 : 8));
  } else {
    // GPUs: 4 x 4 per invocation, up to 16 x 16 invocations (64 x 64 blocks), no wider than the
    // matrix, but at least 64 invocations where one dimension is small (by widening the other),
    // so a skinny product (conv1's data gradient has m = 3; a batch of 2) still fills a workgroup.
    t.tm = t.tn = 4;
    const std::uint64_t m_need = ceil_div(m, t.tm), n_need = ceil_div(n, t.tn);
    t.wg_m = pow2_at_least(m_need, 16);
    t.wg_n = pow2_at_least(n_need, 16);
    while (t.wg_m * t.wg_n < 64) {
      if (t.wg_n < 64 && t.wg_n < n_need) t.wg_n *= 2;
      else if (t.wg_m < 64 && t.wg_m < m_need) t.wg_m *= 2;
      else break;
    }
    // A tiny product (fc with batch 1 and 4 inputs) still gets a whole 32-wide subgroup: the idle
    // invocations cost nothing, and a workgroup of a single invocation lost columns of C on an
    // NVIDIA driver (580.159, verify's fc N1 4 -> 3 backward checks).
    while (t.wg_m * t.wg_n < 32) t.wg_n *= 2;
  }
  // K step: 16 (8 on a CPU driver: as fast there, and quicker to compile), no deeper than K itself
  // (fc's weight gradient has K = batch). Deeper where K is huge on a CPU driver: llvmpipe stops a
  // shader after 65535 loop iterations in all, and the core's only loop left after unrolling is
  // the one over K steps.
  t.bk = pow2_at_least(k, cpu ? 8 : 16);
  if (cpu)
    while (t.bk < 128 && ceil_div(k, t.bk) > 16384) t.bk *= 2;
  // The device's workgroup limits (Vulkan guarantees 128 invocations and 128 x 128 x 64).
  while (t.wg_n > limits.maxComputeWorkGroupSize[0] || t.wg_m > limits.maxComputeWorkGroupSize[1] ||
         t.wg_m * t.wg_n > limits.maxComputeWorkGroupInvocations) {
    if (t.wg_n > limits.maxComputeWorkGroupSize[0]) t.wg_n = (t.wg_n + 1) / 2;
    else if (t.wg_m > limits.maxComputeWorkGroupSize[1]) t.wg_m = (t.wg_m + 1) / 2;
    else if (t.wg_n >= t.wg_m) t.wg_n = (t.wg_n + 1) / 2;
    else t.wg_m = (t.wg_m + 1) / 2;
  }
  // Shared memory: the two staged tiles (Vulkan guarantees 16 KiB).
  auto shared_bytes = [&] { return std::uint64_t(t.bk) * (t.bm() + t.bn()) * sizeof(float); };
  while (t.bk > 1 && shared_bytes() > limits.maxComputeSharedMemorySize) t.bk /= 2;
  if (shared_bytes() > limits.maxComputeSharedMemorySize)
    throw vkrt::Error("GEMM tile " + std::to_string(t.bm()) + "x" + std::to_string(t.bn()) +
                      " does not fit this device's shared memory");
  return t;
}

GemmTile coopmat_gemm_tile(const vkrt::Context& context) {
  GemmTile t;
  t.wg_n = 32;
  t.wg_m = 4;
  t.tn = 2;   // BN = 64
  t.tm = 16;  // BM = 64
  t.bk = 32;
  const auto& limits = context.limits();
  // fp16 A and B tiles, the fp32 C block.
  const std::uint64_t shared = (std::uint64_t(t.bm()) * t.bk + std::uint64_t(t.bk) * t.bn()) * 2 +
                               std::uint64_t(t.bm()) * t.bn() * 4;
  if (t.wg_n * t.wg_m > limits.maxComputeWorkGroupInvocations || t.wg_n > limits.maxComputeWorkGroupSize[0] ||
      shared > limits.maxComputeSharedMemorySize)
    throw vkrt::Error("the cooperative-matrix GEMM tile does not fit this device's workgroup limits");
  return t;
}

vkrt::KernelDesc gemm_kernel_desc(const char* shader, const GemmTile& tile, std::vector<vkrt::SpecValue> shape) {
  vkrt::KernelDesc desc{shader, {tile.wg_n, tile.wg_m, 1}, {tile.tm, tile.tn, tile.bk}};
  desc.constants.insert(desc.constants.end(), shape.begin(), shape.end());
  return desc;
}

vkrt::Groups gemm_groups(const GemmTile& tile, std::uint64_t m, std::uint64_t n, std::uint32_t z) {
  const std::uint64_t tiles = ceil_div(m, tile.bm()) * ceil_div(n, tile.bn());
  if (tiles > std::numeric_limits<std::uint32_t>::max())
    throw vkrt::Error("GEMM of " + std::to_string(m) + "x" + std::to_string(n) + " needs too many workgroups");
  vkrt::Groups groups = vkrt::linear_groups(tiles, 1);
  groups.z = z;
  return groups;
}

KSlices choose_k_slices(std::uint64_t workgroups, std::uint64_t k, std::uint32_t bk, std::uint64_t outputs) {
  // Enough workgroups to fill a big GPU several times over; slices long enough that their own
  // work dwarfs the extra pass that adds them; partial sums within 64 MiB.
  constexpr std::uint64_t kTargetWorkgroups = 512, kMinSliceK = 256, kMaxPartialFloats = std::uint64_t(16) << 20;
  KSlices out;
  if (workgroups == 0 || workgroups >= kTargetWorkgroups || k < 2 * kMinSliceK) return out;
  std::uint64_t slices = std::min({ceil_div(kTargetWorkgroups, workgroups), k / kMinSliceK,
                                   kMaxPartialFloats / std::max<std::uint64_t>(outputs, 1)});
  if (slices <= 1) return out;
  const std::uint64_t slice_k = ceil_div(ceil_div(k, slices), bk) * bk;
  out.slices = static_cast<std::uint32_t>(ceil_div(k, slice_k));
  out.slice_k = static_cast<std::uint32_t>(slice_k);
  if (out.slices <= 1) return KSlices{};
  return out;
}

}  // namespace alexnet
