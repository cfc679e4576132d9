#include "model/layers/conv2d.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "runtime/check.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

// The smallest power of two >= v, but at most `cap` (a power of two).
std::uint32_t pow2_at_least(std::uint64_t v, std::uint32_t cap) {
  std::uint32_t p = 1;
  while (p < v && p < cap) p *= 2;
  return p;
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

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

void require_floats(const char* call, const char* name, const vkrt::BufferRange& range, std::uint64_t count) {
  if (range.size < count * sizeof(float))
    throw std::invalid_argument(std::string(call) + ": " + name + " spans " + std::to_string(range.size) +
                                " bytes, the shape needs " + std::to_string(count * sizeof(float)));
}

}  // namespace

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

vkrt::KernelDesc bias_grad_kernel_desc(const vkrt::Context& context, std::uint32_t channels,
                                       std::uint32_t positions, std::uint32_t batch) {
  const auto& limits = context.limits();
  // One invocation per summand up to 256; a power of two for the tree reduction.
  std::uint32_t local = pow2_at_least(std::uint64_t(batch) * positions, 256);
  while (local > limits.maxComputeWorkGroupSize[0] || local > limits.maxComputeWorkGroupInvocations) local /= 2;
  return {"bias_grad", {local, 1, 1}, {channels, positions, batch}};
}

Conv2dOp::Conv2dOp(vkrt::Context& context, const ref::Conv2dShape& shape)
    : shape_(validated(shape)),
      forward_tile_(choose_gemm_tile(context, cout_g(shape_), forward_n(shape_),
                                     std::uint64_t(cin_g(shape_)) * taps(shape_))),
      data_tile_(choose_gemm_tile(context, cin_g(shape_), data_n_max(shape_), data_k_max(shape_))),
      filter_tile_(choose_gemm_tile(context, cout_g(shape_), std::uint64_t(cin_g(shape_)) * taps(shape_),
                                    forward_n(shape_))),
      forward_(context, gemm_kernel_desc("conv2d_fwd", forward_tile_, conv_constants(shape_))),
      backward_data_(context, gemm_kernel_desc("conv2d_bwd_data", data_tile_, conv_constants(shape_))),
      backward_filter_(context, gemm_kernel_desc("conv2d_bwd_filter", filter_tile_, conv_constants(shape_))),
      backward_bias_(context, bias_grad_kernel_desc(context, static_cast<std::uint32_t>(shape_.c_out),
                                                    static_cast<std::uint32_t>(shape_.out_h() * shape_.out_w()),
                                                    static_cast<std::uint32_t>(shape_.n))),
      forward_groups_(gemm_groups(forward_tile_, cout_g(shape_), forward_n(shape_),
                                  static_cast<std::uint32_t>(shape_.groups))),
      data_groups_(gemm_groups(data_tile_, cin_g(shape_), data_n_max(shape_),
                               static_cast<std::uint32_t>(shape_.groups * shape_.stride * shape_.stride))),
      filter_groups_(gemm_groups(filter_tile_, cout_g(shape_), std::uint64_t(cin_g(shape_)) * taps(shape_),
                                 static_cast<std::uint32_t>(shape_.groups))),
      bias_groups_(vkrt::linear_groups(static_cast<std::uint64_t>(shape_.c_out), 1)) {}

void Conv2dOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& w,
                       const vkrt::BufferRange& b, const vkrt::BufferRange& y) const {
  require_floats("Conv2dOp::forward", "x", x, input_count(shape_));
  require_floats("Conv2dOp::forward", "w", w, weight_count(shape_));
  require_floats("Conv2dOp::forward", "b", b, static_cast<std::uint64_t>(shape_.c_out));
  require_floats("Conv2dOp::forward", "y", y, output_count(shape_));
  stream.dispatch(forward_, {x, w, b, y}, vkrt::NoPush{}, forward_groups_);
}

void Conv2dOp::backward_data(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& w,
                             const vkrt::BufferRange& dx) const {
  require_floats("Conv2dOp::backward_data", "dy", dy, output_count(shape_));
  require_floats("Conv2dOp::backward_data", "w", w, weight_count(shape_));
  require_floats("Conv2dOp::backward_data", "dx", dx, input_count(shape_));
  stream.dispatch(backward_data_, {dy, w, dx}, vkrt::NoPush{}, data_groups_);
}

void Conv2dOp::backward_filter(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& x,
                               const vkrt::BufferRange& dw, bool accumulate) const {
  require_floats("Conv2dOp::backward_filter", "dy", dy, output_count(shape_));
  require_floats("Conv2dOp::backward_filter", "x", x, input_count(shape_));
  require_floats("Conv2dOp::backward_filter", "dw", dw, weight_count(shape_));
  stream.dispatch(backward_filter_, {dy, x, dw}, AccumulatePush{accumulate ? 1u : 0u}, filter_groups_);
}

void Conv2dOp::backward_bias(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                             bool accumulate) const {
  require_floats("Conv2dOp::backward_bias", "dy", dy, output_count(shape_));
  require_floats("Conv2dOp::backward_bias", "db", db, static_cast<std::uint64_t>(shape_.c_out));
  stream.dispatch(backward_bias_, {dy, db}, AccumulatePush{accumulate ? 1u : 0u}, bias_groups_);
}

}  // namespace alexnet
