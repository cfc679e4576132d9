#include "model/layers/fc.h"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>

#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kNoSplit = 0xffffffffu;  // gemm.comp's B_SPLIT / C_SPLIT when unsplit
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

// Where a weight-sized tensor's second binding starts: kNoSplit when one binding can span it,
// else the largest suitably aligned element count one binding can hold.
std::uint32_t weight_split(const vkrt::Context& context, const ref::FcShape& s) {
  const auto& limits = context.limits();
  const std::uint64_t count = weight_count(s);
  const std::uint64_t per_binding = limits.maxStorageBufferRange / sizeof(float);
  if (count <= per_binding) return kNoSplit;
  const std::uint64_t align = std::max<std::uint64_t>(1, limits.minStorageBufferOffsetAlignment / sizeof(float));
  const std::uint64_t split = per_binding / align * align;
  if (count - split > per_binding)
    throw std::invalid_argument("FcOp: the " + std::to_string(s.out) + "x" + std::to_string(s.in) +
                                " weights need more than two storage-buffer bindings of " +
                                std::to_string(limits.maxStorageBufferRange) + " bytes on this device");
  return static_cast<std::uint32_t>(split);
}

// The two bindings of a weight-sized range (see gemm.comp): [0, split) and [split, count).
std::array<vkrt::BufferRange, 2> halves(const vkrt::BufferRange& range, std::uint64_t count, std::uint32_t split) {
  if (split == kNoSplit) return {range, range};
  vkrt::BufferRange lo = range, hi = range;
  lo.size = std::uint64_t(split) * sizeof(float);
  hi.offset += lo.size;
  hi.size = (count - split) * sizeof(float);
  return {lo, hi};
}

// gemm.comp's spec ids 6..17.
struct GemmShape {
  std::uint32_t m, n, k, a_sm, a_sk, b_sk, b_sn, c_sm, c_sn, bias_mode, b_split, c_split;
  std::vector<vkrt::SpecValue> constants() const {
    return {m, n, k, a_sm, a_sk, b_sk, b_sn, c_sm, c_sn, bias_mode, b_split, c_split};
  }
};

std::uint32_t u32(int v) { return static_cast<std::uint32_t>(v); }

// y (N, Out) = x (N, In) . w (Out, In)^T + b: M = N, N = Out, K = In.
GemmShape forward_gemm(const ref::FcShape& s, std::uint32_t split) {
  return {u32(s.n), u32(s.out), u32(s.in), u32(s.in), 1, 1, u32(s.in), u32(s.out), 1, kBiasPerN, split, kNoSplit};
}
// dx (N, In) = dy (N, Out) . w (Out, In): M = N, N = In, K = Out.
GemmShape data_gemm(const ref::FcShape& s, std::uint32_t split) {
  return {u32(s.n), u32(s.in), u32(s.out), u32(s.out), 1, u32(s.in), 1, u32(s.in), 1, kNoBias, split, kNoSplit};
}
// dw (Out, In) = dy (N, Out)^T . x (N, In): M = Out, N = In, K = N.
GemmShape weight_gemm(const ref::FcShape& s, std::uint32_t split) {
  return {u32(s.out), u32(s.in), u32(s.n), 1, u32(s.out), u32(s.in), 1, u32(s.in), 1, kNoBias, kNoSplit, split};
}

void require_floats(const char* call, const char* name, const vkrt::BufferRange& range, std::uint64_t count) {
  if (range.size < count * sizeof(float))
    throw std::invalid_argument(std::string(call) + ": " + name + " spans " + std::to_string(range.size) +
                                " bytes, the shape needs " + std::to_string(count * sizeof(float)));
}

}  // namespace

FcOp::FcOp(vkrt::Context& context, const ref::FcShape& shape)
    : shape_(validated(shape)),
      weight_split_(weight_split(context, shape_)),
      forward_tile_(choose_gemm_tile(context, u32(shape_.n), u32(shape_.out), u32(shape_.in))),
      data_tile_(choose_gemm_tile(context, u32(shape_.n), u32(shape_.in), u32(shape_.out))),
      weight_tile_(choose_gemm_tile(context, u32(shape_.out), u32(shape_.in), u32(shape_.n))),
      forward_(context, gemm_kernel_desc("gemm", forward_tile_, forward_gemm(shape_, weight_split_).constants())),
      backward_data_(context, gemm_kernel_desc("gemm", data_tile_, data_gemm(shape_, weight_split_).constants())),
      backward_weight_(context,
                       gemm_kernel_desc("gemm", weight_tile_, weight_gemm(shape_, weight_split_).constants())),
      backward_bias_(context, bias_grad_kernel_desc(context, u32(shape_.out), 1, u32(shape_.n))),
      forward_groups_(gemm_groups(forward_tile_, u32(shape_.n), u32(shape_.out))),
      data_groups_(gemm_groups(data_tile_, u32(shape_.n), u32(shape_.in))),
      weight_groups_(gemm_groups(weight_tile_, u32(shape_.out), u32(shape_.in))),
      bias_groups_(vkrt::linear_groups(u32(shape_.out), 1)) {}

void FcOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& w,
                   const vkrt::BufferRange& b, const vkrt::BufferRange& y) const {
  const std::uint64_t n = u32(shape_.n);
  require_floats("FcOp::forward", "x", x, n * u32(shape_.in));
  require_floats("FcOp::forward", "w", w, weight_count(shape_));
  require_floats("FcOp::forward", "b", b, u32(shape_.out));
  require_floats("FcOp::forward", "y", y, n * u32(shape_.out));
  const auto wh = halves(w, weight_count(shape_), weight_split_);
  stream.dispatch(forward_, {x, wh[0], wh[1], b, y, y}, AccumulatePush{0}, forward_groups_);
}

void FcOp::backward_data(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& w,
                         const vkrt::BufferRange& dx) const {
  const std::uint64_t n = u32(shape_.n);
  require_floats("FcOp::backward_data", "dy", dy, n * u32(shape_.out));
  require_floats("FcOp::backward_data", "w", w, weight_count(shape_));
  require_floats("FcOp::backward_data", "dx", dx, n * u32(shape_.in));
  const auto wh = halves(w, weight_count(shape_), weight_split_);
  // No bias: dy stands in for the unread bias binding.
  stream.dispatch(backward_data_, {dy, wh[0], wh[1], dy, dx, dx}, AccumulatePush{0}, data_groups_);
}

void FcOp::backward_weight(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& x,
                           const vkrt::BufferRange& dw, bool accumulate) const {
  const std::uint64_t n = u32(shape_.n);
  require_floats("FcOp::backward_weight", "dy", dy, n * u32(shape_.out));
  require_floats("FcOp::backward_weight", "x", x, n * u32(shape_.in));
  require_floats("FcOp::backward_weight", "dw", dw, weight_count(shape_));
  const auto dwh = halves(dw, weight_count(shape_), weight_split_);
  // B (x) is never split; no bias: dy stands in for the unread bias binding.
  stream.dispatch(backward_weight_, {dy, x, x, dy, dwh[0], dwh[1]}, AccumulatePush{accumulate ? 1u : 0u},
                  weight_groups_);
}

void FcOp::backward_bias(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& db,
                         bool accumulate) const {
  require_floats("FcOp::backward_bias", "dy", dy, std::uint64_t(u32(shape_.n)) * u32(shape_.out));
  require_floats("FcOp::backward_bias", "db", db, u32(shape_.out));
  stream.dispatch(backward_bias_, {dy, db}, AccumulatePush{accumulate ? 1u : 0u}, bias_groups_);
}

}  // namespace alexnet
