#include "model/ops/fc.h"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>

#include "model/ops/gemm/accumulate_push.h"
#include "model/ops/require_floats.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

// gemm.comp's B_HI_FIRST / C_HI_FIRST when one binding spans the whole tensor.
constexpr std::uint32_t kOneBinding = 0xffffffffu;
enum BiasMode : std::uint32_t { kNoBias = 0, kBiasPerN = 1 };

std::uint64_t weight_count(const ref::FcShape& s) { return std::uint64_t(s.out) * s.in; }

const ref::FcShape& validated(const ref::FcShape& s) {
  if (s.n <= 0 || s.in <= 0 || s.out <= 0)
    throw std::invalid_argument("FcOp: sizes must be positive (n=" + std::to_string(s.n) + ", in=" +
                                std::to_string(s.in) + ", out=" + std::to_string(s.out) + ")");
  // gemm.comp indexes with 32-bit unsigned arithmetic.
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  if (weight_count(s) >= kMax || std::uint64_t(s.n) * s.in >= kMax || std::uint64_t(s.n) * s.out >= kMax)
    throw std::invalid_argument("FcOp: tensors of 2^32 or more elements are not supported");
  return s;
}

// Where a weight-sized tensor's second binding starts: kOneBinding when one binding can span it,
// else the largest suitably aligned element count one binding can hold.
std::uint32_t choose_weight_hi_first(const vkrt::Context& context, const ref::FcShape& s) {
  const auto& limits = context.limits();
  const std::uint64_t count = weight_count(s);
  const std::uint64_t per_binding = limits.maxStorageBufferRange / sizeof(float);
  if (count <= per_binding) return kOneBinding;
  const std::uint64_t align = std::max<std::uint64_t>(1, limits.minStorageBufferOffsetAlignment / sizeof(float));
  const std::uint64_t hi_first = per_binding / align * align;
  if (count - hi_first > per_binding)
    throw std::invalid_argument("FcOp: the " + std::to_string(s.out) + "x" + std::to_string(s.in) +
                                " weights need more than two storage-buffer bindings of " +
                                std::to_string(limits.maxStorageBufferRange) + " bytes on this device");
  return static_cast<std::uint32_t>(hi_first);
}

// The lo and hi bindings of a weight-sized range (see gemm.comp): [0, hi_first) and
// [hi_first, count); the whole range twice when one binding spans it.
std::array<vkrt::BufferRange, 2> lo_hi_bindings(const vkrt::BufferRange& range, std::uint64_t count,
                                                std::uint32_t hi_first) {
  if (hi_first == kOneBinding) return {range, range};
  vkrt::BufferRange lo = range, hi = range;
  lo.size = std::uint64_t(hi_first) * sizeof(float);
  hi.offset += lo.size;
  hi.size = (count - hi_first) * sizeof(float);
  return {lo, hi};
}

// gemm.comp's spec ids 6..17.
struct GemmShape {
  std::uint32_t m, n, k, a_sm, a_sk, b_sk, b_sn, c_sm, c_sn, bias_mode, b_hi_first, c_hi_first;
  std::vector<vkrt::SpecValue> constants() const {
    return {m, n, k, a_sm, a_sk, b_sk, b_sn, c_sm, c_sn, bias_mode, b_hi_first, c_hi_first};
  }
};

std::uint32_t u32(int v) { return static_cast<std::uint32_t>(v); }

// w_hi: where the hi binding of w (the first two) or dw (the third) starts.
// y (N, Out) = x (N, In) . w (Out, In)^T + b: M = N, N = Out, K = In.
GemmShape forward_gemm(const ref::FcShape& s, std::uint32_t w_hi) {
  return {u32(s.n), u32(s.out), u32(s.in), u32(s.in), 1, 1, u32(s.in), u32(s.out), 1, kBiasPerN, w_hi, kOneBinding};
}
// dx (N, In) = dy (N, Out) . w (Out, In): M = N, N = In, K = Out.
GemmShape data_gemm(const ref::FcShape& s, std::uint32_t w_hi) {
  return {u32(s.n), u32(s.in), u32(s.out), u32(s.out), 1, u32(s.in), 1, u32(s.in), 1, kNoBias, w_hi, kOneBinding};
}
// dw (Out, In) = dy (N, Out)^T . x (N, In): M = Out, N = In, K = N.
GemmShape weight_gemm(const ref::FcShape& s, std::uint32_t w_hi) {
  return {u32(s.out), u32(s.in), u32(s.n), 1, u32(s.out), u32(s.in), 1, u32(s.in), 1, kNoBias, kOneBinding, w_hi};
}

// The texel-path products (see gemm_texel.comp for the layouts).
// y (N, Out) = x (N, In) . w^T + b: A = x, B = w read transposed ([Out][In] is [n][k]).
TexelGemmShape texel_forward(const ref::FcShape& s) {
  TexelGemmShape g;
  g.m = u32(s.n);
  g.n = u32(s.out);
  g.k = u32(s.in);
  g.lda = u32(s.in);
  g.b_t = true;
  g.ldb = u32(s.in);
  g.c_sm = u32(s.out);
  g.bias = TexelGemmShape::Bias::PerN;
  return g;
}
// dx (N, In) = dy (N, Out) . w: A = dy rows (stride round_up4(Out)), B = w.
TexelGemmShape texel_data(const ref::FcShape& s) {
  TexelGemmShape g;
  g.m = u32(s.n);
  g.n = u32(s.in);
  g.k = u32(s.out);
  g.lda = round_up4(u32(s.out));
  g.ldb = u32(s.in);
  g.c_sm = u32(s.in);
  return g;
}
// dw (Out, In) = dy^T . x: A = dy rows read transposed ([N][Out] is [k][m]), B = x.
TexelGemmShape texel_weight(const ref::FcShape& s) {
  TexelGemmShape g;
  g.m = u32(s.out);
  g.n = u32(s.in);
  g.k = u32(s.n);
  g.a_t = true;
  g.lda = round_up4(u32(s.out));
  g.ldb = u32(s.in);
  g.c_sm = u32(s.in);
  return g;
}

// The texel path reads x and w as rows of whole texels.
GemmPath fc_path(const vkrt::Context& context, const ref::FcShape& s, GemmPath asked, Precision precision) {
  require_precision(context, precision);
  if (asked == GemmPath::CoopMat) {
    require_coopmat(context, precision, "FcOp");
    return asked;
  }
  const GemmPath path = resolve_gemm_path(context, asked);
  if (path == GemmPath::Texel && s.in % 4 != 0) {
    if (asked == GemmPath::Texel)
      throw std::invalid_argument("FcOp: the texel path needs In to be a multiple of 4, got " + std::to_string(s.in));
    return GemmPath::Tiled;
  }
  return path;
}

}  // namespace

FcOp::Tiled::Tiled(vkrt::Context& context, const ref::FcShape& s, Precision precision, bool coopmat)
    : weight_hi_first(choose_weight_hi_first(context, s)),
      forward_tile(coopmat ? coopmat_gemm_tile(context) : choose_gemm_tile(context, u32(s.n), u32(s.out), u32(s.in))),
      data_tile(coopmat ? coopmat_gemm_tile(context) : choose_gemm_tile(context, u32(s.n), u32(s.in), u32(s.out))),
      weight_tile(coopmat ? coopmat_gemm_tile(context) : choose_gemm_tile(context, u32(s.out), u32(s.in), u32(s.n))),
      forward(context, gemm_kernel_desc(gemm_variant("gemm", precision, coopmat).c_str(), forward_tile,
                                        forward_gemm(s, weight_hi_first).constants())),
      backward_data(context, gemm_kernel_desc(gemm_variant("gemm", precision, coopmat).c_str(), data_tile,
                                              data_gemm(s, weight_hi_first).constants())),
      backward_weight(context, gemm_kernel_desc(gemm_variant("gemm", precision, coopmat, "_wgrad").c_str(),
                                                weight_tile, weight_gemm(s, weight_hi_first).constants())),
      forward_groups(gemm_groups(forward_tile, u32(s.n), u32(s.out))),
      data_groups(gemm_groups(data_tile, u32(s.n), u32(s.in))),
      weight_groups(gemm_groups(weight_tile, u32(s.out), u32(s.in))) {}

FcOp::Texel::Texel(vkrt::Context& context, const ref::FcShape& s, Precision precision)
    : pad_dy(s.out % 4 != 0),
      forward(context, texel_forward(s)),
      backward_data(context, texel_data(s)),
      backward_weight(context, texel_weight(s)),
      result(context, precision, std::uint64_t(u32(s.n)) * std::max(u32(s.in), u32(s.out))) {
  if (pad_dy) {
    pack_dy.emplace(context, ColShape::rows_of(u32(s.n), u32(s.out)), ColKernel::Direction::Unroll,
                    precision == Precision::Fp16);
    dy_rows = context.allocator().allocate(std::uint64_t(u32(s.n)) * round_up4(u32(s.out)) * sizeof(float),
                                           vkrt::Intent::DeviceLocal);
  }
}

FcOp::FcOp(vkrt::Context& context, const ref::FcShape& shape, GemmPath path, Precision precision)
    : shape_(validated(shape)),
      precision_(precision),
      path_(fc_path(context, shape_, path, precision)),
      bias_grad_(context, u32(shape_.out), 1, u32(shape_.n), precision) {
  if (path_ == GemmPath::Texel) texel_.emplace(context, shape_, precision_);
  else tiled_.emplace(context, shape_, precision_, path_ == GemmPath::CoopMat);
}

vkrt::BufferRange FcOp::texel_operand(const vkrt::BufferRange& x) const {
  return precision_ == Precision::Fp16 ? vkrt::half_texels(x) : x;
}

vkrt::BufferRange FcOp::texel_dy(vkrt::Stream& stream, const vkrt::BufferRange& dy) const {
  if (!texel_->pad_dy) return texel_operand(dy);
  stream.barrier();
  texel_->pack_dy->record(stream, dy, texel_->dy_rows);
  stream.barrier();
  return texel_->dy_rows;
}

void FcOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& w,
                   const vkrt::BufferRange& b, const vkrt::BufferRange& y) const {
  const std::uint64_t n = u32(shape_.n);
  require_elements("FcOp::forward", "x", x, n * u32(shape_.in), activation_bytes(precision_));
  require_floats("FcOp::forward", "w", w, weight_count(shape_));
  require_floats("FcOp::forward", "b", b, u32(shape_.out));
  require_elements("FcOp::forward", "y", y, n * u32(shape_.out), activation_bytes(precision_));
  if (texel_) {
    if (texel_->result.narrows()) stream.barrier();  // the last call's rounding may still read the scratch
    texel_->forward.record(stream, texel_operand(x), w, b, texel_->result.target(y), false);
    texel_->result.finish(stream, y, n * u32(shape_.out));
    return;
  }
  const auto wh = lo_hi_bindings(w, weight_count(shape_), tiled_->weight_hi_first);
  stream.dispatch(tiled_->forward, {x, wh[0], wh[1], b, y, y}, AccumulatePush::of(false), tiled_->forward_groups);
}

void FcOp::backward_data(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& w,
                         const vkrt::BufferRange& dx) const {
  const std::uint64_t n = u32(shape_.n);
  require_elements("FcOp::backward_data", "dy", dy, n * u32(shape_.out), activation_bytes(precision_));
  require_floats("FcOp::backward_data", "w", w, weight_count(shape_));
  require_elements("FcOp::backward_data", "dx", dx, n * u32(shape_.in), activation_bytes(precision_));
  if (texel_) {
    // No bias: w stands in for the unread bias binding.
    if (texel_->result.narrows()) stream.barrier();  // as in forward
    texel_->backward_data.record(stream, texel_dy(stream, dy), w, w, texel_->result.target(dx), false);
    texel_->result.finish(stream, dx, n * u32(shape_.in));
    return;
  }
  const auto wh = lo_hi_bindings(w, weight_count(shape_), tiled_->weight_hi_first);
  // No bias: dy stands in for the unread bias binding.
  stream.dispatch(tiled_->backward_data, {dy, wh[0], wh[1], dy, dx, dx}, AccumulatePush::of(false),
                  tiled_->data_groups);
}

void FcOp::backward_weight(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& x,
                           const vkrt::BufferRange& dw, bool accumulate) const {
  const std::uint64_t n = u32(shape_.n);
  require_elements("FcOp::backward_weight", "dy", dy, n * u32(shape_.out), activation_bytes(precision_));
  require_elements("FcOp::backward_weight", "x", x, n * u32(shape_.in), activation_bytes(precision_));
  require_floats("FcOp::backward_weight", "dw", dw, weight_count(shape_));
  if (texel_) {
    // No bias: x stands in for the unread bias binding.
    texel_->backward_weight.record(stream, texel_dy(stream, dy), texel_operand(x), x, dw, accumulate);
    return;
  }
  const auto dwh = lo_hi_bindings(dw, weight_count(shape_), tiled_->weight_hi_first);
  // B (x) always fits one binding; no bias: dy stands in for the unread bias binding.
  stream.dispatch(tiled_->backward_weight, {dy, x, x, dy, dwh[0], dwh[1]}, AccumulatePush::of(accumulate),
                  tiled_->weight_groups);
}

void FcOp::backward_bias(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                         bool accumulate) const {
  require_elements("FcOp::backward_bias", "dy", dy, std::uint64_t(u32(shape_.n)) * u32(shape_.out),
                   activation_bytes(precision_));
  require_floats("FcOp::backward_bias", "db", db, u32(shape_.out));
  bias_grad_.record(stream, dy, db, accumulate);
}

}  // namespace alexnet
