#include "model/ops/dropout.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/ops/elementwise_chunks.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;
constexpr std::uint64_t kIndexLimit = std::uint64_t(1) << 32;  // global indices are 32-bit in the shader

std::uint32_t validated_texels(std::uint32_t texels) {
  if (texels == 0) throw std::invalid_argument("DropoutOp: texels_per_invocation must be positive");
  return texels;
}

// Throws unless every global index of the call is below 2^32 and the rows are consistent.
void require_valid_indices(const std::string& op, std::uint64_t count, std::uint64_t element_offset,
                           const DropoutRows& rows) {
  if (rows.row_length == 0) {
    if (rows.row_stride != 0 || rows.row_offset != 0)
      throw std::invalid_argument(op + "row_stride and row_offset need a row_length");
    if (element_offset > kIndexLimit || count > kIndexLimit - element_offset)
      throw std::invalid_argument(op + "element_offset + count must not exceed 2^32");
    return;
  }
  if (rows.row_offset > rows.row_stride || rows.row_length > rows.row_stride - rows.row_offset)
    throw std::invalid_argument(op + "row_offset + row_length must not exceed row_stride");
  // Each bound keeps the next sum far from 64-bit overflow; the shader's fields are 32-bit.
  if (rows.row_stride >= kIndexLimit || element_offset >= kIndexLimit)
    throw std::invalid_argument(op + "row_stride and element_offset must be below 2^32");
  if (count == 0) return;
  // Indices grow with i (row_stride >= row_length), so the last element has the largest.
  const std::uint64_t row = (count - 1) / rows.row_length, column = (count - 1) % rows.row_length;
  if (row > 0 && rows.row_stride > (kIndexLimit - 1) / row)
    throw std::invalid_argument(op + "global indices must be below 2^32");
  if (element_offset + row * rows.row_stride + rows.row_offset + column >= kIndexLimit)
    throw std::invalid_argument(op + "global indices must be below 2^32");
}

// n / d for every 32-bit n as (h + ((n - h) >> shift1)) >> shift2 with h = mulhi(n, magic):
// Granlund & Montgomery, "Division by invariant integers using multiplication" (1994), fig. 4.1,
// with l = ceil(log2 d) and magic = floor(2^32 (2^l - d) / d) + 1 (which fits 32 bits).
struct Divider {
  std::uint32_t magic, shift1, shift2;
};
Divider divider(std::uint64_t d) {  // 1 <= d < 2^32
  std::uint32_t l = 0;
  while ((std::uint64_t(1) << l) < d) ++l;
  const std::uint64_t magic = (((std::uint64_t(1) << l) - d) << 32) / d + 1;
  return {static_cast<std::uint32_t>(magic), std::min<std::uint32_t>(l, 1), l > 0 ? l - 1 : 0};
}

}  // namespace

DropoutOp::Kernels DropoutOp::kernels(vkrt::Context& context, const std::string& shader, std::uint32_t texels,
                                      bool rows) {
  // Specialization constants: TEXELS, TAIL, SHIFTED, ROWS (dropout.glsl).
  auto kernel = [&](bool tail, bool shifted) {
    return vkrt::Kernel(context, {shader, {kLocal, 1, 1}, {validated_texels(texels), tail, shifted, rows}});
  };
  return {kernel(false, false), kernel(false, true), kernel(true, true)};
}

DropoutOp::DropoutOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch,
                     std::uint32_t texels_per_invocation, Precision precision)
    : context_(&context),
      precision_((require_precision(context, precision), precision)),
      max_chunk_(elementwise_chunk_elements(context, max_elements_per_dispatch, activation_bytes(precision))),
      texels_(texels_per_invocation),
      forward_(kernels(context, shader_variant("dropout_fwd", precision), texels_per_invocation, false)),
      backward_(kernels(context, shader_variant("dropout_bwd", precision), texels_per_invocation, false)),
      rows_(std::make_unique<LazyRows>()) {}

const DropoutOp::Kernels& DropoutOp::rows_kernels(bool backward) const {
  std::call_once(rows_->once, [&] {
    rows_->forward.emplace(kernels(*context_, shader_variant("dropout_fwd", precision_), texels_, true));
    rows_->backward.emplace(kernels(*context_, shader_variant("dropout_bwd", precision_), texels_, true));
  });
  return backward ? *rows_->backward : *rows_->forward;
}

DropoutKeyBuffer::DropoutKeyBuffer(vkrt::Context& context, std::uint32_t seed, std::uint32_t step)
    : buffer_(context.allocator().allocate(2 * sizeof(std::uint32_t), vkrt::Intent::Upload)) {
  set(seed, step);
}

void DropoutKeyBuffer::set(std::uint32_t seed, std::uint32_t step) {
  auto words = buffer_.host_span<std::uint32_t>();
  words[0] = seed;
  words[1] = step;
}

void DropoutOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                        std::uint64_t count, float p, const DropoutKey& key, std::uint64_t element_offset,
                        DropoutRows rows) const {
  record(forward_, false, stream, x, y, count, p, key, element_offset, rows);
}

void DropoutOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx,
                         std::uint64_t count, float p, const DropoutKey& key, std::uint64_t element_offset,
                         DropoutRows rows) const {
  record(backward_, true, stream, dy, dx, count, p, key, element_offset, rows);
}

void DropoutOp::record(const Kernels& contiguous, bool backward, vkrt::Stream& stream, const vkrt::BufferRange& in,
                       const vkrt::BufferRange& out, std::uint64_t count, float p, const DropoutKey& key,
                       std::uint64_t element_offset, const DropoutRows& rows) const {
  const std::string op = "DropoutOp(" + contiguous.aligned.name() + "): ";
  // Written so that NaN fails too; p == 1 would make the scale infinite.
  if (!(p >= 0.0f && p < 1.0f)) throw std::invalid_argument(op + "p must be in [0, 1), got " + std::to_string(p));
  require_valid_indices(op, count, element_offset, rows);
  const std::uint32_t bytes = activation_bytes(precision_);
  if (in.size < count * bytes || out.size < count * bytes)
    throw std::invalid_argument(op + "buffers hold fewer than " + std::to_string(count) + " elements");
  if (count == 0) return;  // before the rows pipelines are built for nothing
  const float scale = 1.0f / (1.0f - p);  // the reference's T(1) / (T(1) - T(p)) in float
  const bool by_rows = rows.row_length != 0;
  const Kernels& kernels = by_rows ? rows_kernels(backward) : contiguous;
  // Rows: each texel is one Philox block when all of these are multiples of 4 (every chunk's
  // start is: chunk sizes are multiples of 4).
  const bool rows_aligned = by_rows && (rows.row_length | rows.row_stride | rows.row_offset | element_offset) % 4 == 0;
  const Divider div = by_rows ? divider(rows.row_length) : Divider{0, 0, 0};
  for (std::uint64_t first = 0; first < count; first += max_chunk_) {
    const std::uint64_t n = std::min(max_chunk_, count - first);
    // Contiguous: the chunk's own global offset. Rows: the call's, plus the chunk's start within
    // the call (`first`), which the shader maps through the rows; chunks need not align with rows.
    const std::uint64_t offset = by_rows ? element_offset : element_offset + first;
    const Push push{static_cast<std::uint32_t>(n),
                    static_cast<std::uint32_t>(offset),
                    key.salt,
                    p,
                    scale,
                    static_cast<std::uint32_t>(rows.row_length),
                    static_cast<std::uint32_t>(rows.row_stride),
                    static_cast<std::uint32_t>(rows.row_offset),
                    static_cast<std::uint32_t>(by_rows ? first : 0),
                    div.magic,
                    div.shift1,
                    div.shift2};
    vkrt::BufferRange in_n = element_slice(in, first, n, bytes), out_n = element_slice(out, first, n, bytes);
    if (precision_ == Precision::Fp16) in_n = vkrt::half_texels(in_n);
    // texels_ whole texels per invocation; the partial texel (if any) by the tail pipeline. The
    // two write disjoint elements, so they need no barrier between them. Chunk sizes are
    // multiples of 4, so every chunk has the call's offset % 4.
    const bool aligned = by_rows ? rows_aligned : offset % 4 == 0;
    const vkrt::Kernel& whole = aligned ? kernels.aligned : kernels.shifted;
    if (n >= 4)
      stream.dispatch(whole, {in_n, out_n, key.buffer}, push, vkrt::linear_groups((n / 4 + texels_ - 1) / texels_, kLocal));
    if (n % 4 != 0) stream.dispatch(kernels.tail, {in_n, out_n, key.buffer}, push, vkrt::Groups{1, 1, 1});
  }
}

}  // namespace alexnet
