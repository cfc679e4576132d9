#include "model/ops/conv2d.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "model/ops/gemm/accumulate_push.h"
#include "model/ops/require_floats.h"
#include "runtime/context.h"
#include "runtime/error.h"

namespace alexnet {
namespace {

std::uint64_t input_count(const ref::Conv2dShape& s) {
  return std::uint64_t(s.n) * s.c_in * s.h * s.w;
}
std::uint64_t output_count(const ref::Conv2dShape& s) {
  return std::uint64_t(s.n) * s.c_out * s.out_h() * s.out_w();
}
std::uint64_t weight_count(const ref::Conv2dShape& s) {
  return std::uint64_t(s.c_out) * (s.c_in / s.groups) * s.kh * s.kw;
}

// The shaders index with 32-bit unsigned arithmetic.
const ref::Conv2dShape& validated(const ref::Conv2dShape& s) {
  s.validate();
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  if (input_count(s) > kMax || output_count(s) > kMax)
    throw std::invalid_argument("Conv2dOp: tensors of 2^32 or more elements are not supported");
  return s;
}

std::uint32_t cin_g(const ref::Conv2dShape& s) { return static_cast<std::uint32_t>(s.c_in / s.groups); }
std::uint32_t cout_g(const ref::Conv2dShape& s) { return static_cast<std::uint32_t>(s.c_out / s.groups); }
std::uint32_t taps(const ref::Conv2dShape& s) { return static_cast<std::uint32_t>(s.kh * s.kw); }
// GEMM N of the forward pass: every output position of the batch.
std::uint64_t forward_n(const ref::Conv2dShape& s) { return std::uint64_t(s.n) * s.out_h() * s.out_w(); }
// GEMM N of the largest stride phase of the data gradient (see conv2d_bwd_data.comp).
std::uint64_t data_n_max(const ref::Conv2dShape& s) {
  return std::uint64_t(s.n) * ceil_div(s.h, s.stride) * ceil_div(s.w, s.stride);
}

// GEMM K of the data gradient's phase with the most taps.
std::uint64_t data_k_max(const ref::Conv2dShape& s) {
  return std::uint64_t(cout_g(s)) * ceil_div(s.kh, s.stride) * ceil_div(s.kw, s.stride);
}

// Spec ids 6..17 of the three conv2d shaders, in their header's order.
std::vector<vkrt::SpecValue> conv_constants(const ref::Conv2dShape& s) {
  return {s.n, s.c_in, s.h, s.w, s.c_out, s.kh, s.kw, s.stride, s.pad, s.out_h(), s.out_w(), s.groups};
}

// conv2d_bwd_weight.comp's constants: conv_constants, then the K slices.
std::vector<vkrt::SpecValue> weight_constants(const ref::Conv2dShape& s, const KSlices& slices) {
  auto c = conv_constants(s);
  c.push_back(slices.slices);
  c.push_back(std::max<std::uint32_t>(slices.slice_k, 1));
  return c;
}

std::uint32_t u32(std::uint64_t v) { return static_cast<std::uint32_t>(v); }

// The unrolled-window geometry of the convolution's input.
ColShape window_shape(const ref::Conv2dShape& s) {
  ColShape c;
  c.batch = u32(s.n);
  c.cin = u32(s.c_in);
  c.h = u32(s.h);
  c.w = u32(s.w);
  c.kh = u32(s.kh);
  c.kw = u32(s.kw);
  c.stride = u32(s.stride);
  c.pad = u32(s.pad);
  c.oh = u32(s.out_h());
  c.ow = u32(s.out_w());
  c.groups = u32(s.groups);
  return c;
}

std::uint32_t taps_per_group(const ref::Conv2dShape& s) { return cin_g(s) * taps(s); }

// y[g*M + m, (b, s)] = sum_k w_rows[g*M + m, k] * col[g, k, (b, s)] + bias: the NCHW output is
// addressed as m*OHW + b*COUT*OHW + s.
TexelGemmShape forward_product(const ref::Conv2dShape& s) {
  const std::uint32_t kg = taps_per_group(s), kp = round_up4(kg), np = window_shape(s).np();
  const std::uint32_t ohw = u32(s.out_h() * s.out_w());
  TexelGemmShape g;
  g.m = cout_g(s);
  g.n = u32(forward_n(s));
  g.k = kg;
  g.lda = kp;
  g.ldb = np;
  g.c_sm = ohw;
  g.c_ndiv = ohw;
  g.c_sn_hi = u32(s.c_out) * ohw;
  g.c_sn_lo = 1;
  g.bias = TexelGemmShape::Bias::PerM;
  g.groups = u32(s.groups);
  g.a_zg = cout_g(s) * kp;
  g.b_zg = kg * np;
  g.c_zg = cout_g(s) * ohw;
  g.bias_zg = cout_g(s);
  return g;
}

// dcol[g, k, n] = sum_m w_rows[g*M + m, k] * dy_rows[g, m, n]: A is w_rows read transposed.
TexelGemmShape data_product(const ref::Conv2dShape& s) {
  const std::uint32_t kg = taps_per_group(s), kp = round_up4(kg), np = window_shape(s).np();
  TexelGemmShape g;
  g.m = kg;
  g.n = u32(forward_n(s));
  g.k = cout_g(s);
  g.a_t = true;
  g.lda = kp;
  g.ldb = np;
  g.c_sm = np;
  g.groups = u32(s.groups);
  g.a_zg = cout_g(s) * kp;
  g.b_zg = cout_g(s) * np;
  g.c_zg = kg * np;
  return g;
}

// dw[g*M + m, k] = sum_n dy_rows[g, m, n] * col[g, k, n]: B is col read transposed; K = every
// output position of the batch (cut into slices when that leaves too few workgroups).
TexelGemmShape weight_product(const ref::Conv2dShape& s) {
  const std::uint32_t kg = taps_per_group(s), np = window_shape(s).np();
  TexelGemmShape g;
  g.m = cout_g(s);
  g.n = kg;
  g.k = u32(forward_n(s));
  g.lda = np;
  g.b_t = true;
  g.ldb = np;
  g.c_sm = kg;
  g.groups = u32(s.groups);
  g.a_zg = cout_g(s) * np;
  g.b_zg = kg * np;
  g.c_zg = cout_g(s) * kg;
  return g;
}

// The path for `asked` at `precision`.
GemmPath conv_path(const vkrt::Context& context, GemmPath asked, Precision precision) {
  require_precision(context, precision);
  if (asked == GemmPath::CoopMat) {
    require_coopmat(context, precision, "Conv2dOp");
    return asked;
  }
  return resolve_gemm_path(context, asked);
}

vkrt::Buffer scratch(vkrt::Context& context, std::uint64_t floats) {
  return context.allocator().allocate(std::max<std::uint64_t>(floats, 4) * sizeof(float), vkrt::Intent::DeviceLocal);
}

}  // namespace

Conv2dOp::Tiled::Tiled(vkrt::Context& context, const ref::Conv2dShape& s, Precision precision, bool coopmat)
    : forward_tile(coopmat ? coopmat_gemm_tile(context)
                           : choose_gemm_tile(context, cout_g(s), forward_n(s), std::uint64_t(cin_g(s)) * taps(s))),
      data_tile(coopmat ? coopmat_gemm_tile(context) : choose_gemm_tile(context, cin_g(s), data_n_max(s), data_k_max(s))),
      weight_tile(coopmat ? coopmat_gemm_tile(context)
                          : choose_gemm_tile(context, cout_g(s), std::uint64_t(cin_g(s)) * taps(s), forward_n(s))),
      weight_slices(choose_k_slices(ceil_div(cout_g(s), weight_tile.bm()) *
                                      ceil_div(std::uint64_t(cin_g(s)) * taps(s), weight_tile.bn()) * u32(s.groups),
                                  forward_n(s), weight_tile.bk, weight_count(s))),
      forward(context, gemm_kernel_desc(gemm_variant("conv2d_fwd", precision, coopmat).c_str(), forward_tile,
                                        conv_constants(s))),
      backward_data(context, gemm_kernel_desc(gemm_variant("conv2d_bwd_data", precision, coopmat).c_str(), data_tile,
                                              conv_constants(s))),
      backward_weight(context, gemm_kernel_desc(gemm_variant("conv2d_bwd_weight", precision, coopmat).c_str(),
                                                weight_tile, weight_constants(s, weight_slices))),
      forward_groups(gemm_groups(forward_tile, cout_g(s), forward_n(s), u32(s.groups))),
      data_groups(gemm_groups(data_tile, cin_g(s), data_n_max(s), u32(s.groups * s.stride * s.stride))),
      weight_groups(gemm_groups(weight_tile, cout_g(s), std::uint64_t(cin_g(s)) * taps(s),
                                u32(s.groups) * weight_slices.slices)) {
  if (weight_slices.slices > 1) {
    const std::uint64_t count = weight_count(s);
    const auto count32 = static_cast<std::uint32_t>(count);
    sum_slices.emplace(context, vkrt::KernelDesc{"sum_slices", {64, 1, 1}, {count32, weight_slices.slices, count32}});
    sum_groups = vkrt::linear_groups(count, 64);
    partials = context.allocator().allocate(count * weight_slices.slices * sizeof(float), vkrt::Intent::DeviceLocal);
  }
}

Conv2dOp::Texel::Texel(vkrt::Context& context, const ref::Conv2dShape& s, Precision precision)
    : pack_w(context, ColShape::rows_of(u32(s.c_out), taps_per_group(s)), ColKernel::Direction::Unroll),
      unroll_x(context, window_shape(s), ColKernel::Direction::Unroll, precision == Precision::Fp16),
      pack_dy(context, ColShape::planes_of(u32(s.n), u32(s.c_out), u32(s.out_h()), u32(s.out_w()), u32(s.groups)),
              ColKernel::Direction::Unroll, precision == Precision::Fp16),
      fold_dcol(context, window_shape(s), ColKernel::Direction::Fold),
      forward(context, forward_product(s)),
      backward_data(context, data_product(s)),
      backward_weight(context, weight_product(s)),
      w_rows(scratch(context, std::uint64_t(s.c_out) * round_up4(taps_per_group(s)))),
      col(scratch(context, window_shape(s).col_floats())),
      dcol(scratch(context, window_shape(s).col_floats())),
      dy_rows(scratch(context, std::uint64_t(s.c_out) * window_shape(s).np())),
      result(context, precision, std::max(input_count(s), output_count(s))) {}

Conv2dOp::Conv2dOp(vkrt::Context& context, const ref::Conv2dShape& shape, GemmPath path, Precision precision)
    : shape_(validated(shape)),
      precision_(precision),
      path_(conv_path(context, path, precision)),
      bias_grad_(context, u32(shape_.c_out), u32(shape_.out_h() * shape_.out_w()), u32(shape_.n), precision) {
  if (path_ == GemmPath::Texel) texel_.emplace(context, shape_, precision_);
  else tiled_.emplace(context, shape_, precision_, path_ == GemmPath::CoopMat);
}

void Conv2dOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& w,
                       const vkrt::BufferRange& b, const vkrt::BufferRange& y) const {
  require_elements("Conv2dOp::forward", "x", x, input_count(shape_), activation_bytes(precision_));
  require_floats("Conv2dOp::forward", "w", w, weight_count(shape_));
  require_floats("Conv2dOp::forward", "b", b, static_cast<std::uint64_t>(shape_.c_out));
  require_elements("Conv2dOp::forward", "y", y, output_count(shape_), activation_bytes(precision_));
  if (tiled_) {
    stream.dispatch(tiled_->forward, {x, w, b, y}, vkrt::NoPush{}, tiled_->forward_groups);
    return;
  }
  stream.barrier();
  texel_->pack_w.record(stream, w, texel_->w_rows);
  texel_->unroll_x.record(stream, x, texel_->col);
  stream.barrier();
  texel_->forward.record(stream, texel_->w_rows, texel_->col, b, texel_->result.target(y), false);
  texel_->result.finish(stream, y, output_count(shape_));
}

void Conv2dOp::backward_data(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& w,
                             const vkrt::BufferRange& dx) const {
  require_elements("Conv2dOp::backward_data", "dy", dy, output_count(shape_), activation_bytes(precision_));
  require_floats("Conv2dOp::backward_data", "w", w, weight_count(shape_));
  require_elements("Conv2dOp::backward_data", "dx", dx, input_count(shape_), activation_bytes(precision_));
  if (tiled_) {
    stream.dispatch(tiled_->backward_data, {dy, w, dx}, vkrt::NoPush{}, tiled_->data_groups);
    return;
  }
  stream.barrier();
  texel_->pack_w.record(stream, w, texel_->w_rows);
  texel_->pack_dy.record(stream, dy, texel_->dy_rows);
  stream.barrier();
  // No bias: dy_rows stands in for the unread bias binding.
  texel_->backward_data.record(stream, texel_->w_rows, texel_->dy_rows, texel_->dy_rows, texel_->dcol, false);
  stream.barrier();
  texel_->fold_dcol.record(stream, texel_->dcol, texel_->result.target(dx));
  texel_->result.finish(stream, dx, input_count(shape_));
}

void Conv2dOp::backward_weight(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& x,
                               const vkrt::BufferRange& dw, bool accumulate) const {
  require_elements("Conv2dOp::backward_weight", "dy", dy, output_count(shape_), activation_bytes(precision_));
  require_elements("Conv2dOp::backward_weight", "x", x, input_count(shape_), activation_bytes(precision_));
  require_floats("Conv2dOp::backward_weight", "dw", dw, weight_count(shape_));
  if (tiled_) {
    if (!tiled_->sum_slices) {
      // dw stands in for the unused partial-sum binding.
      stream.dispatch(tiled_->backward_weight, {dy, x, dw, dw}, AccumulatePush::of(accumulate),
                      tiled_->weight_groups);
      return;
    }
    const vkrt::BufferRange partials(tiled_->partials);
    stream.dispatch(tiled_->backward_weight, {dy, x, dw, partials}, AccumulatePush::of(false), tiled_->weight_groups);
    stream.barrier();
    stream.dispatch(*tiled_->sum_slices, {vkrt::scalar_texels(partials), vkrt::scalar_texels(dw)},
                    AccumulatePush::of(accumulate), tiled_->sum_groups);
    return;
  }
  stream.barrier();
  texel_->unroll_x.record(stream, x, texel_->col);
  texel_->pack_dy.record(stream, dy, texel_->dy_rows);
  stream.barrier();
  texel_->backward_weight.record(stream, texel_->dy_rows, texel_->col, texel_->dy_rows, dw, accumulate);
}

void Conv2dOp::backward_bias(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                             bool accumulate) const {
  require_elements("Conv2dOp::backward_bias", "dy", dy, output_count(shape_), activation_bytes(precision_));
  require_floats("Conv2dOp::backward_bias", "db", db, static_cast<std::uint64_t>(shape_.c_out));
  bias_grad_.record(stream, dy, db, accumulate);
}

}  // namespace alexnet
