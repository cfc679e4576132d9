// Which GEMM kernels the convolutions and fully connected layers run (Conv2dOp, FcOp): the
// shared-memory tiles (GPUs, model/ops/gemm/gemm_tile.h), the texel-buffer register tiles (CPU
// drivers, model/ops/gemm/texel_gemm.h), or the tiled shaders on the cooperative-matrix core.
#pragma once

#include <utility>
#include <vector>

namespace vkrt {
class Context;
}

namespace alexnet {

// Auto picks by device type: Texel on CPU drivers, Tiled elsewhere.
// CoopMat: the tiled shaders on the cooperative-matrix core (shaders/gemm_coopmat_nv.glsl), fp16
// storage only; never chosen by Auto, because it has not been run on any device yet. It is asked
// for by name (verify, `bench --gemm`, `bench --gemm-path coopmat`).
enum class GemmPath { Auto, Tiled, Texel, CoopMat };
GemmPath resolve_gemm_path(const vkrt::Context& context, GemmPath path);
const char* gemm_path_name(GemmPath path);
// Every path by its name, Auto first (for --gemm-path).
std::vector<std::pair<const char*, GemmPath>> gemm_path_choices();

}  // namespace alexnet
