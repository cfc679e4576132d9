// The CPU-driver GEMM path: host side of shaders/gemm_texel.comp (register tiles, operands read
// through texel buffers, optional K slices summed in order by shaders/sum_slices.comp), and of the
// layout kernels around it (shaders/im2col.comp, shaders/col2im.comp).
//
// Conv2dOp and FcOp take this path on CPU drivers (lavapipe), where it is an order of magnitude
// faster than the shared-memory tiles of gemm_tile.glsl; every device can run it, so verify checks
// it everywhere.
#pragma once

#include <cstdint>
#include <optional>

#include "model/ops/gemm/gemm_path.h"
#include "model/ops/precision.h"
#include "model/ops/to_half.h"
#include "runtime/kernel.h"
#include "runtime/memory.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

std::uint32_t round_up4(std::uint64_t v);

// One product C = A B (see gemm_texel.comp for the exact addressing). Strides and group offsets are
// in floats; every A/B stride and group offset must be a multiple of 4.
struct TexelGemmShape {
  std::uint32_t m = 1, n = 1, k = 1;
  bool a_t = false;  // A stored [k][m] instead of [m][k]
  std::uint32_t lda = 4;
  bool b_t = false;  // B stored [n][k] instead of [k][n]
  std::uint32_t ldb = 4;
  std::uint32_t c_sm = 1, c_ndiv = 0xffffffffu, c_sn_hi = 0, c_sn_lo = 1;
  enum class Bias : std::uint32_t { None = 0, PerN = 1, PerM = 2 } bias = Bias::None;
  std::uint32_t groups = 1;
  std::uint32_t a_zg = 0, b_zg = 0, c_zg = 0, bias_zg = 0;
  // C is [groups][m][n] row-major with nothing in between (required to slice K).
  bool c_dense() const;
};

class TexelGemm {
 public:
  // Chooses the tile and the number of K slices; allocates the slices' partial sums. Throws
  // std::invalid_argument when the layout breaks a rule above.
  TexelGemm(vkrt::Context& context, const TexelGemmShape& shape);

  // Records the product (and, when K is sliced, a barrier and the slice sum). `bias` is bound but
  // not read when the shape has none. With `accumulate`, C += A B.
  void record(vkrt::Stream& stream, const vkrt::BufferRange& a, const vkrt::BufferRange& b,
              const vkrt::BufferRange& bias, const vkrt::BufferRange& c, bool accumulate) const;

  std::uint32_t slices() const { return plan_.slices; }

 private:
  struct Plan {
    std::uint32_t tm = 16, tn4 = 4;     // rows per workgroup, column quads per invocation
    std::uint32_t slices = 1, kc = 0;  // K slices and the K of each
  };
  static Plan plan(const TexelGemmShape& shape);
  TexelGemmShape shape_;
  Plan plan_;
  vkrt::Kernel gemm_;
  std::optional<vkrt::Kernel> sum_;
  vkrt::Buffer partials_;
  vkrt::Groups groups_, sum_groups_;
};

// The window geometry of im2col.comp / col2im.comp: a (batch, cin, h, w) tensor unrolled into
// [groups][cin/groups * kh * kw][np] with np = round_up4(batch * oh * ow).
struct ColShape {
  std::uint32_t batch = 1, cin = 1, h = 1, w = 1, kh = 1, kw = 1, stride = 1, pad = 0, oh = 1, ow = 1, groups = 1;
  std::uint32_t np() const { return round_up4(std::uint64_t(batch) * oh * ow); }
  std::uint64_t rows() const { return std::uint64_t(cin) * kh * kw; }  // all groups
  std::uint64_t col_floats() const { return rows() * np(); }
  // A matrix [rows][cols] padded to [rows][round_up4(cols)] (a 1 x cols image per row).
  static ColShape rows_of(std::uint32_t rows, std::uint32_t cols);
  // A (batch, channels, h, w) tensor as [groups][channels/groups][batch*h*w].
  static ColShape planes_of(std::uint32_t batch, std::uint32_t channels, std::uint32_t h, std::uint32_t w,
                            std::uint32_t groups);
};

// im2col.comp or col2im.comp specialized for `shape`. The column matrix is fp32 in both; an
// unrolled tensor may be fp16 (`half_tensor`), read through an R16F view whose fetches widen it
// exactly, so the fp32 GEMM then multiplies the very values an fp16 shader would. A fold writes
// fp32 only: rounding to fp16 is ToHalfOp's (llvmpipe rounds a texel fetch stored straight to
// fp16 toward zero; see to_half.comp).
class ColKernel {
 public:
  enum class Direction { Unroll, Fold };  // im2col, col2im
  // Throws std::invalid_argument for a fold with `half_tensor`.
  ColKernel(vkrt::Context& context, const ColShape& shape, Direction direction, bool half_tensor = false);
  // Unroll: src is the tensor, dst the column matrix; Fold: the other way round.
  void record(vkrt::Stream& stream, const vkrt::BufferRange& src, const vkrt::BufferRange& dst) const;

 private:
  ColShape shape_;
  Direction direction_;
  bool half_tensor_;
  vkrt::Kernel kernel_;
  vkrt::Groups groups_;
};

// Where a texel product or fold writes a result that is stored in fp16 (y, dx): an fp32 scratch
// of the op's, then rounded into the fp16 tensor by ToHalfOp, since llvmpipe rounds a texel fetch
// stored straight to fp16 toward zero (see to_half.comp). At fp32 the result goes straight out.
class TexelResult {
 public:
  // `max_elements`: the largest result the op writes. Allocates and builds only at fp16.
  TexelResult(vkrt::Context& context, Precision precision, std::uint64_t max_elements);
  // Whether results go through the scratch (the next call must wait until it is read).
  bool narrows() const { return narrow_.has_value(); }
  // Where to write the result whose place is `out`.
  vkrt::BufferRange target(const vkrt::BufferRange& out) const;
  // fp16: a barrier, then `count` elements of the scratch rounded into `out`; fp32: nothing.
  void finish(vkrt::Stream& stream, const vkrt::BufferRange& out, std::uint64_t count) const;

 private:
  std::optional<ToHalfOp> narrow_;
  vkrt::Buffer wide_;
};

}  // namespace alexnet
