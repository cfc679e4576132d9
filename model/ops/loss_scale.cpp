#include "model/ops/loss_scale.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "model/ops/elementwise_chunks.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;
constexpr std::uint32_t kTexels = 4;

}  // namespace

LossScaleBuffer::LossScaleBuffer(vkrt::Context& context)
    : buffer_(context.allocator().allocate(2 * sizeof(float), vkrt::Intent::Upload)),
      flag_(context.allocator().allocate(sizeof(std::uint32_t), vkrt::Intent::Readback)) {
  set(1.0f);
  clear_flag();
}

void LossScaleBuffer::set(float scale) {
  if (!(scale > 0.0f) || !std::isfinite(scale))
    throw std::invalid_argument("the loss scale must be positive and finite, got " + std::to_string(scale));
  auto values = buffer_.host_span<float>();
  values[0] = scale;
  values[1] = 1.0f / scale;  // exact for the powers of two the scaler uses
}

float LossScaleBuffer::scale() const { return buffer_.host_span<float>()[0]; }

void LossScaleBuffer::clear_flag() { flag_.host_span<std::uint32_t>()[0] = 0; }

bool LossScaleBuffer::flag() const { return flag_.host_span<std::uint32_t>()[0] != 0; }

NonFiniteCheckOp::NonFiniteCheckOp(vkrt::Context& context)
    : max_chunk_(elementwise_chunk_elements(context, 0)),
      kernel_(context, {"nonfinite_flag", {kLocal, 1, 1}, {kTexels}}) {}

void NonFiniteCheckOp::record(vkrt::Stream& stream, const vkrt::BufferRange& g, std::uint64_t count,
                              const vkrt::BufferRange& flag) const {
  if (g.size < count * sizeof(float))
    throw std::invalid_argument("NonFiniteCheckOp: g holds fewer than " + std::to_string(count) + " floats");
  for (std::uint64_t first = 0; first < count; first += max_chunk_) {
    const std::uint64_t n = std::min(max_chunk_, count - first);
    const Push push{static_cast<std::uint32_t>(n)};
    const std::uint64_t texels = (n + 3) / 4;
    stream.dispatch(kernel_, {float_slice(g, first, n), flag}, push,
                    vkrt::linear_groups((texels + kTexels - 1) / kTexels, kLocal));
  }
}

}  // namespace alexnet
