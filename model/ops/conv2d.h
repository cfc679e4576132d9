// 2-D convolution on the GPU (cross-correlation, NCHW, grouped, separate leading and trailing
// padding), matching model/reference/conv2d.h. Two ways to run every pass (GemmPath):
//   - Tiled (GPUs): an implicit GEMM on the shared-memory core in shaders/gemm_tile.glsl, one
//     dispatch per pass;
//   - Texel (CPU drivers): the windows are unrolled into a scratch matrix (im2col.comp), multiplied
//     by gemm_texel.comp and, for the data gradient, folded back (col2im.comp). A few dispatches
//     per pass, with barriers between them; the op owns its scratch buffers.
// The layer's shape is baked into the pipelines as specialization constants.
//
// Precision (model/ops/precision.h): with fp16, x, y, dy and dx are fp16 (2 bytes an element) and
// w, b, dw and db fp32. The tiled path has fp16 variants of its shaders; the texel path unrolls the
// fp16 tensors into its fp32 scratch (widening is exact), runs the fp32 products, and rounds y and
// dx to fp16 in one more pass (ToHalfOp) from an fp32 copy, so both paths multiply the same values
// and sum them in fp32.
// GemmPath::CoopMat runs the tiled shaders on the cooperative-matrix core, fp16 only, where the
// device has it (asked for explicitly; unmeasured).
//
// The caller puts stream.barrier() between dependent calls; a call never reads its inputs before an
// earlier barrier, and the texel path starts each call with a barrier of its own (its scratch
// buffers are reused by the next call).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/ops/bias_grad.h"
#include "model/ops/gemm/gemm_tile.h"
#include "model/ops/gemm/texel_gemm.h"
#include "model/ops/precision.h"
#include "model/reference/conv2d.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

class Conv2dOp {
 public:
  // Builds the pipelines specialized for `shape` on `path` (Auto: by device type); throws
  // std::invalid_argument for an invalid shape (ref::Conv2dShape::validate).
  // fp16 on a device without 16-bit storage throws vkrt::Error (require_precision).
  Conv2dOp(vkrt::Context& context, const ref::Conv2dShape& shape, GemmPath path = GemmPath::Auto,
           Precision precision = Precision::Fp32);

  // x (N, Cin, H, W), w (Cout, Cin/G, KH, KW), b (Cout) -> y (N, Cout, OH, OW)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& w,
               const vkrt::BufferRange& b, const vkrt::BufferRange& y) const;
  // dy (N, Cout, OH, OW), w (Cout, Cin/G, KH, KW) -> dx (N, Cin, H, W)
  void backward_data(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& w,
                     const vkrt::BufferRange& dx) const;
  // dy (N, Cout, OH, OW), x (N, Cin, H, W) -> dw (Cout, Cin/G, KH, KW), summed over the batch;
  // with `accumulate`, dw += that sum (micro-batches) instead of dw = it.
  void backward_weight(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& x,
                       const vkrt::BufferRange& dw, bool accumulate = false) const;
  // dy (N, Cout, OH, OW) -> db (Cout), summed over the batch and positions; `accumulate` as above.
  void backward_bias(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                     bool accumulate = false) const;

  const ref::Conv2dShape& shape() const { return shape_; }
  GemmPath path() const { return path_; }
  Precision precision() const { return precision_; }

 private:
  // The implicit-GEMM pipelines of the tiled path.
  struct Tiled {
    Tiled(vkrt::Context& context, const ref::Conv2dShape& shape, Precision precision, bool coopmat);
    GemmTile forward_tile, data_tile, weight_tile;
    KSlices weight_slices;  // the weight gradient's K (batch x output positions), sliced on a GPU
    vkrt::Kernel forward, backward_data, backward_weight;
    vkrt::Groups forward_groups, data_groups, weight_groups;
    std::optional<vkrt::Kernel> sum_slices;  // only when weight_slices.slices > 1
    vkrt::Groups sum_groups;
    vkrt::Buffer partials;                   // (slices, weights) when weight_slices.slices > 1
  };
  // The texel path: layout kernels, three products and their scratch matrices.
  struct Texel {
    Texel(vkrt::Context& context, const ref::Conv2dShape& shape, Precision precision);
    ColKernel pack_w;      // w (Cout, Cin/G*KH*KW) -> rows padded to a multiple of 4
    ColKernel unroll_x;    // x -> col [G][Cin/G*KH*KW][NP]
    ColKernel pack_dy;     // dy -> [G][Cout/G][NP]
    ColKernel fold_dcol;   // dcol [G][Cin/G*KH*KW][NP] -> dx
    TexelGemm forward, backward_data, backward_weight;
    vkrt::Buffer w_rows, col, dcol, dy_rows;
    TexelResult result;  // y of the product, dx of the fold
  };
  ref::Conv2dShape shape_;
  Precision precision_;
  GemmPath path_;
  std::optional<Tiled> tiled_;
  std::optional<Texel> texel_;
  BiasGradOp bias_grad_;
};

}  // namespace alexnet
