// Fully connected layer on the GPU, matching model/reference/fc.h: y = x W^T + b with W stored
// (Out, In) row-major. Forward, data gradient and weight gradient are three GEMMs, on one of two
// paths (GemmPath):
//   - Tiled (GPUs): one strided GEMM shader (shaders/gemm.comp) specialized three ways. A weight
//     matrix larger than the device's maxStorageBufferRange (fc6's is 144 MiB; Vulkan only
//     guarantees 128 MiB, which is what lavapipe offers) is bound as two ranges; more than two such
//     ranges throws at construction.
//   - Texel (CPU drivers): shaders/gemm_texel.comp, which reads through texel buffers (no 128 MiB
//     limit). Needs In to be a multiple of 4 (else the op takes the tiled path); when Out is not,
//     dy is first copied into rows padded to a multiple of 4.
// The bias gradient is BiasGradOp (shaders/bias_grad.comp) on both.
//
// Precision (model/ops/precision.h): with fp16, x, y, dy and dx are fp16 and w, b, dw and db
// fp32. The tiled path has fp16 variants (gemm_fp16 for the forward and data gradient,
// gemm_fp16_wgrad for the weight gradient); the texel path reads the fp16 tensors through RGBA16F
// views (the fetch widens them exactly) into its fp32 product, and writes y and dx in fp32 to a
// scratch buffer that ToHalfOp rounds to fp16 (a texel fetch stored straight to fp16 rounds
// toward zero on llvmpipe; see to_half.comp). GemmPath::CoopMat runs
// the same shaders on the cooperative-matrix core, fp16 only, where the device has it (asked for
// explicitly; unmeasured).
//
// The caller puts stream.barrier() between dependent calls; a texel-path call that repacks dy or
// (fp16) writes the fp32 scratch starts with a barrier of its own (its scratch is reused by the
// next call).
#pragma once

#include <cstdint>
#include <optional>

#include "model/ops/bias_grad.h"
#include "model/ops/gemm/gemm_tile.h"
#include "model/ops/gemm/texel_gemm.h"
#include "model/ops/precision.h"
#include "model/reference/fc.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class FcOp {
 public:
  // Throws std::invalid_argument for a non-positive size. `path` Auto picks by device type.
  // fp16 on a device without 16-bit storage throws vkrt::Error (require_precision).
  FcOp(vkrt::Context& context, const ref::FcShape& shape, GemmPath path = GemmPath::Auto,
       Precision precision = Precision::Fp32);

  // x (N, In), w (Out, In), b (Out) -> y (N, Out)
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& w,
               const vkrt::BufferRange& b, const vkrt::BufferRange& y) const;
  // dy (N, Out), w (Out, In) -> dx (N, In)
  void backward_data(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& w,
                     const vkrt::BufferRange& dx) const;
  // dy (N, Out), x (N, In) -> dw (Out, In), summed over the batch; with `accumulate`,
  // dw += that sum (micro-batches) instead of dw = it.
  void backward_weight(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& x,
                       const vkrt::BufferRange& dw, bool accumulate = false) const;
  // dy (N, Out) -> db (Out), summed over the batch; `accumulate` as above.
  void backward_bias(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                     bool accumulate = false) const;

  const ref::FcShape& shape() const { return shape_; }
  GemmPath path() const { return path_; }
  Precision precision() const { return precision_; }

 private:
  struct Tiled {
    Tiled(vkrt::Context& context, const ref::FcShape& shape, Precision precision, bool coopmat);
    std::uint32_t weight_hi_first;  // element where a weight-sized range's hi binding starts
    GemmTile forward_tile, data_tile, weight_tile;
    vkrt::Kernel forward, backward_data, backward_weight;
    vkrt::Groups forward_groups, data_groups, weight_groups;
  };
  struct Texel {
    Texel(vkrt::Context& context, const ref::FcShape& shape, Precision precision);
    bool pad_dy;             // Out is not a multiple of 4: dy is read from dy_rows
    std::optional<ColKernel> pack_dy;
    vkrt::Buffer dy_rows;    // dy (N, Out) as rows of round_up4(Out), fp32
    TexelGemm forward, backward_data, backward_weight;
    TexelResult result;      // y of the forward, dx of the data gradient
  };
  // An fp16 activation as the texel products read it (an RGBA16F view); at fp32 `x` itself.
  vkrt::BufferRange texel_operand(const vkrt::BufferRange& x) const;
  // dy as the texel products read it: dy itself, or its padded copy (recording the copy).
  vkrt::BufferRange texel_dy(vkrt::Stream& stream, const vkrt::BufferRange& dy) const;

  ref::FcShape shape_;
  Precision precision_;
  GemmPath path_;
  std::optional<Tiled> tiled_;
  std::optional<Texel> texel_;
  BiasGradOp bias_grad_;
};

}  // namespace alexnet
