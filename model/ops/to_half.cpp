#include "model/ops/to_half.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/ops/elementwise_chunks.h"
#include "model/ops/precision.h"
#include "runtime/context.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;
constexpr std::uint32_t kTexels = 4;

// Chunks whose fp32 input fits the limits and whose starts are aligned for both the fp32 input
// and the fp16 output: a multiple of the fp16 alignment unit (twice the fp32 one in elements).
std::uint64_t chunk_elements(const vkrt::Context& context, std::uint64_t requested) {
  const std::uint64_t unit = elementwise_chunk_elements(context, 1, 2);
  return std::max(unit, elementwise_chunk_elements(context, requested, 4) / unit * unit);
}

}  // namespace

ToHalfOp::ToHalfOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch)
    : max_chunk_((require_precision(context, Precision::Fp16), chunk_elements(context, max_elements_per_dispatch))),
      main_(context, {"to_half", {kLocal, 1, 1}, {kTexels, false}}),
      tail_(context, {"to_half", {kLocal, 1, 1}, {kTexels, true}}) {}

void ToHalfOp::record(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                      std::uint64_t count) const {
  if (x.size < count * 4 || y.size < count * 2)
    throw std::invalid_argument("ToHalfOp: x or y holds fewer than " + std::to_string(count) + " elements");
  for (std::uint64_t first = 0; first < count; first += max_chunk_) {
    const std::uint64_t n = std::min(max_chunk_, count - first);
    const vkrt::BufferRange x_n = element_slice(x, first, n, 4), y_n = element_slice(y, first, n, 2);
    const Push push{static_cast<std::uint32_t>(n)};
    // Whole texels, then the partial one (if any): disjoint elements, no barrier between them.
    if (n >= 4) stream.dispatch(main_, {x_n, y_n}, push, vkrt::linear_groups((n / 4 + kTexels - 1) / kTexels, kLocal));
    if (n % 4 != 0) stream.dispatch(tail_, {x_n, y_n}, push, vkrt::Groups{1, 1, 1});
  }
}

}  // namespace alexnet
