#include "model/layers/dropout.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/layers/elementwise_chunks.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;
constexpr std::uint64_t kIndexLimit = std::uint64_t(1) << 32;  // global indices are 32-bit in the shader

std::uint32_t checked_texels(std::uint32_t texels) {
  if (texels == 0) throw std::invalid_argument("DropoutOp: texels_per_invocation must be positive");
  return texels;
}

}  // namespace

DropoutOp::Kernels DropoutOp::kernels(vkrt::Context& context, const char* shader, std::uint32_t texels) {
  // Specialization constants: TEXELS, TAIL, SHIFTED (dropout.glsl).
  auto kernel = [&](bool tail, bool shifted) {
    return vkrt::Kernel(context, {shader, {kLocal, 1, 1}, {checked_texels(texels), tail, shifted}});
  };
  return {kernel(false, false), kernel(false, true), kernel(true, true)};
}

DropoutOp::DropoutOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch,
                     std::uint32_t texels_per_invocation)
    : max_chunk_(elementwise_chunk_elements(context, max_elements_per_dispatch)),
      texels_(texels_per_invocation),
      forward_(kernels(context, "dropout_fwd", texels_per_invocation)),
      backward_(kernels(context, "dropout_bwd", texels_per_invocation)) {}

void DropoutOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                        std::uint64_t count, float p, std::uint32_t seed, std::uint32_t step,
                        std::uint64_t element_offset) const {
  record(forward_, stream, x, y, count, p, seed, step, element_offset);
}

void DropoutOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx,
                         std::uint64_t count, float p, std::uint32_t seed, std::uint32_t step,
                         std::uint64_t element_offset) const {
  record(backward_, stream, dy, dx, count, p, seed, step, element_offset);
}

void DropoutOp::record(const Kernels& kernels, vkrt::Stream& stream, const vkrt::BufferRange& in,
                       const vkrt::BufferRange& out, std::uint64_t count, float p, std::uint32_t seed,
                       std::uint32_t step, std::uint64_t element_offset) const {
  const std::string op = "DropoutOp(" + kernels.aligned.name() + "): ";
  // Written so that NaN fails too; p == 1 would make the scale infinite.
  if (!(p >= 0.0f && p < 1.0f)) throw std::invalid_argument(op + "p must be in [0, 1), got " + std::to_string(p));
  if (element_offset > kIndexLimit || count > kIndexLimit - element_offset)
    throw std::invalid_argument(op + "element_offset + count must not exceed 2^32");
  if (in.size < count * sizeof(float) || out.size < count * sizeof(float))
    throw std::invalid_argument(op + "buffers hold fewer than " + std::to_string(count) + " floats");
  const float scale = 1.0f / (1.0f - p);  // the reference's T(1) / (T(1) - T(p)) in float
  for (std::uint64_t first = 0; first < count; first += max_chunk_) {
    const std::uint64_t n = std::min(max_chunk_, count - first);
    const std::uint64_t offset = element_offset + first;
    const Push push{static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(offset), seed, step, p, scale};
    const vkrt::BufferRange in_n = float_slice(in, first, n), out_n = float_slice(out, first, n);
    // texels_ whole texels per invocation; the partial texel (if any) by the tail pipeline. The
    // two write disjoint elements, so they need no barrier between them. Chunk sizes are
    // multiples of 4, so every chunk has the call's offset % 4.
    const vkrt::Kernel& whole = offset % 4 == 0 ? kernels.aligned : kernels.shifted;
    if (n >= 4) stream.dispatch(whole, {in_n, out_n}, push, vkrt::linear_groups((n / 4 + texels_ - 1) / texels_, kLocal));
    if (n % 4 != 0) stream.dispatch(kernels.tail, {in_n, out_n}, push, vkrt::Groups{1, 1, 1});
  }
}

}  // namespace alexnet
