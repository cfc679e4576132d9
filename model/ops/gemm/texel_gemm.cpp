#include "model/ops/gemm/texel_gemm.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "model/ops/gemm/accumulate_push.h"
#include "model/ops/gemm/gemm_tile.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLanes = 8;  // one AVX2 SIMD row of invocations per workgroup
// Enough workgroups to keep every CPU thread busy with some balance; slice K to get there.
constexpr std::uint64_t kWantWorkgroups = 32;
constexpr std::uint32_t kMinSliceK = 256;
constexpr std::uint64_t kPanelBytes = std::uint64_t(1) << 20;
// llvmpipe stops a shader after 65535 loop iterations; a slice loops K/4 times.
constexpr std::uint32_t kMaxSliceK = 4 * 16384;
// im2col.comp's values per invocation (its RUN).
constexpr std::uint32_t kUnrollRun = 16;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("TexelGemm: " + what);
}

}  // namespace

std::uint32_t round_up4(std::uint64_t v) {
  const std::uint64_t r = (v + 3) / 4 * 4;
  if (r > std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument("size past 2^32");
  return static_cast<std::uint32_t>(r);
}

bool TexelGemmShape::c_dense() const {
  return c_ndiv == 0xffffffffu && c_sn_lo == 1 && c_sm == n && (groups == 1 || c_zg == m * n);
}

TexelGemm::Plan TexelGemm::plan(const TexelGemmShape& s) {
  require(s.m > 0 && s.n > 0 && s.k > 0 && s.groups > 0, "empty product");
  require(s.lda % 4 == 0 && s.ldb % 4 == 0 && s.a_zg % 4 == 0 && s.b_zg % 4 == 0,
          "A and B strides must be multiples of 4 floats");
  require(s.lda >= round_up4(s.a_t ? s.m : s.k), "A's rows are shorter than the product");
  require(s.ldb >= round_up4(s.b_t ? s.k : s.n), "B's rows are shorter than the product");
  Plan p;
  // TM rows per workgroup (a multiple of 4, no more than M needs); 4*TN4 columns per invocation
  // (no more than N needs across the SIMD row).
  p.tm = s.m >= 16 ? 16 : round_up4(s.m);
  p.tn4 = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(ceil_div(s.n, 4 * kLanes), 1, 4));
  const std::uint64_t tiles = ceil_div(s.m, p.tm) * ceil_div(s.n, 4 * p.tn4 * kLanes) * s.groups;
  // Slice K when the output alone gives too few workgroups, or one slice would loop too long.
  const bool can_slice = s.c_dense() && s.bias == TexelGemmShape::Bias::None;
  std::uint64_t slices = 1;
  if (tiles < kWantWorkgroups && can_slice)
    slices = std::min(ceil_div(kWantWorkgroups, tiles), std::max<std::uint64_t>(1, s.k / kMinSliceK));
  slices = std::max(slices, ceil_div(s.k, kMaxSliceK));
  // A long K streams a B panel (K x the tile's columns) far larger than a CPU cache past each
  // workgroup; slices keep the panel that consecutive workgroups share cache-sized.
  if (can_slice) slices = std::max(slices, ceil_div(s.k * 4 * p.tn4 * kLanes * sizeof(float), kPanelBytes));
  p.kc = round_up4(ceil_div(s.k, slices));
  p.slices = static_cast<std::uint32_t>(ceil_div(s.k, p.kc));
  require(p.slices == 1 || can_slice,
          "K of " + std::to_string(s.k) + " needs slicing, which needs a dense C and no bias");
  return p;
}

TexelGemm::TexelGemm(vkrt::Context& context, const TexelGemmShape& s)
    : shape_(s),
      plan_(plan(s)),
      gemm_(context, vkrt::KernelDesc{"gemm_texel",
                                      {kLanes, 1, 1},
                                      {plan_.tm, plan_.tn4, s.m, s.n, s.k, s.a_t, s.lda, s.b_t, s.ldb, s.c_sm,
                                       s.c_ndiv, s.c_sn_hi, s.c_sn_lo, static_cast<std::uint32_t>(s.bias), s.groups,
                                       s.a_zg, s.b_zg, s.c_zg, s.bias_zg,
                                       plan_.slices == 1 ? 0xffffffffu : plan_.kc,
                                       static_cast<std::uint32_t>(std::uint64_t(s.groups) * s.m * s.n)}}) {
  groups_ = vkrt::linear_groups(ceil_div(s.n, 4 * plan_.tn4 * kLanes) * ceil_div(s.m, plan_.tm), 1);
  groups_.z = s.groups * plan_.slices;
  if (plan_.slices > 1) {
    const std::uint64_t count = std::uint64_t(s.groups) * s.m * s.n;
    const auto count32 = static_cast<std::uint32_t>(count);
    sum_.emplace(context, vkrt::KernelDesc{"sum_slices", {64, 1, 1}, {count32, plan_.slices, count32}});
    sum_groups_ = vkrt::linear_groups(count, 64);
    partials_ = context.allocator().allocate(count * plan_.slices * sizeof(float), vkrt::Intent::DeviceLocal);
  }
}

void TexelGemm::record(vkrt::Stream& stream, const vkrt::BufferRange& a, const vkrt::BufferRange& b,
                       const vkrt::BufferRange& bias, const vkrt::BufferRange& c, bool accumulate) const {
  const AccumulatePush push = AccumulatePush::of(accumulate);
  if (plan_.slices == 1) {
    stream.dispatch(gemm_, {a, b, vkrt::scalar_texels(bias), vkrt::scalar_texels(c)}, push, groups_);
    return;
  }
  const vkrt::BufferRange partials = vkrt::scalar_texels(partials_);
  stream.dispatch(gemm_, {a, b, vkrt::scalar_texels(bias), partials}, AccumulatePush::of(false), groups_);
  stream.barrier();
  stream.dispatch(*sum_, {partials, vkrt::scalar_texels(c)}, push, sum_groups_);
}

ColShape ColShape::rows_of(std::uint32_t rows, std::uint32_t cols) {
  ColShape s;
  s.cin = rows;
  s.w = s.ow = cols;
  return s;
}

ColShape ColShape::planes_of(std::uint32_t batch, std::uint32_t channels, std::uint32_t h, std::uint32_t w,
                             std::uint32_t groups) {
  ColShape s;
  s.batch = batch;
  s.cin = channels;
  s.h = s.oh = h;
  s.w = s.ow = w;
  s.groups = groups;
  return s;
}

ColKernel::ColKernel(vkrt::Context& context, const ColShape& s, Direction direction, bool half_tensor)
    : shape_(s),
      direction_(direction),
      half_tensor_((require(!half_tensor || direction == Direction::Unroll, "a fold writes fp32 only"), half_tensor)),
      kernel_(context, vkrt::KernelDesc{direction == Direction::Unroll ? "im2col" : "col2im",
                                        {64, 1, 1},
                                        {s.batch, s.cin, s.h, s.w, s.kh, s.kw, s.stride, s.pad, s.oh, s.ow, s.groups,
                                         s.np()}}),
      groups_(vkrt::linear_groups(direction == Direction::Unroll
                                      ? s.rows() * ceil_div(s.np(), kUnrollRun)
                                      : std::uint64_t(s.batch) * s.cin * s.h * s.w,
                                  64)) {}

void ColKernel::record(vkrt::Stream& stream, const vkrt::BufferRange& src, const vkrt::BufferRange& dst) const {
  if (direction_ == Direction::Unroll) {
    const vkrt::BufferRange tensor = vkrt::scalar_texels(src);
    stream.dispatch(kernel_, {half_tensor_ ? vkrt::half_texels(tensor) : tensor, dst}, vkrt::NoPush{}, groups_);
  } else
    stream.dispatch(kernel_, {vkrt::scalar_texels(src), vkrt::scalar_texels(dst)}, vkrt::NoPush{}, groups_);
}

TexelResult::TexelResult(vkrt::Context& context, Precision precision, std::uint64_t max_elements) {
  if (precision != Precision::Fp16) return;
  narrow_.emplace(context);
  wide_ = context.allocator().allocate(std::max<std::uint64_t>(max_elements, 4) * sizeof(float),
                                       vkrt::Intent::DeviceLocal);
}

vkrt::BufferRange TexelResult::target(const vkrt::BufferRange& out) const {
  return narrow_ ? vkrt::BufferRange(wide_) : out;
}

void TexelResult::finish(vkrt::Stream& stream, const vkrt::BufferRange& out, std::uint64_t count) const {
  if (!narrow_) return;
  stream.barrier();
  narrow_->record(stream, wide_, out, count);
}

}  // namespace alexnet
