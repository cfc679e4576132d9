#include "model/layers/softmax_xent.h"

#include <limits>
#include <stdexcept>
#include <string>

namespace alexnet {
namespace {

// Forward: one workgroup per row; a power of two for the tree reduction. 256 covers AlexNet's 1000
// classes in four strided steps per invocation.
constexpr std::uint32_t kRowLocal = 256;
constexpr std::uint32_t kLocal = 64;

int checked(int classes) {
  if (classes <= 0)
    throw std::invalid_argument("SoftmaxXentOp: classes must be positive, got " + std::to_string(classes));
  return classes;
}

void require_elements(const vkrt::BufferRange& range, std::uint64_t count, const char* what) {
  if (range.size < count * 4)
    throw std::invalid_argument(std::string("SoftmaxXentOp: ") + what + " holds " + std::to_string(range.size) +
                                " bytes, needs " + std::to_string(count * 4));
}

}  // namespace

SoftmaxXentOp::SoftmaxXentOp(vkrt::Context& context, int classes)
    : classes_(checked(classes)),
      forward_(context, {"softmax_xent_fwd", {kRowLocal, 1, 1}, {classes}}),
      backward_(context, {"softmax_xent_bwd", {kLocal, 1, 1}, {classes}}) {}

void SoftmaxXentOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& logits, const vkrt::BufferRange& labels,
                            const vkrt::BufferRange& probs, const vkrt::BufferRange& loss, std::uint32_t n) const {
  if (n == 0) return;
  const std::uint64_t count = std::uint64_t(n) * classes_;
  if (count > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("SoftmaxXentOp: more than 2^32 - 1 logits; split the batch");
  require_elements(logits, count, "logits");
  require_elements(labels, n, "labels");
  require_elements(probs, count, "probs");
  require_elements(loss, n, "loss");
  // Stream::dispatch rejects n past the device's workgroup-count limit.
  stream.dispatch(forward_, {logits, labels, probs, loss}, ForwardPush{n}, vkrt::Groups{n, 1, 1});
}

void SoftmaxXentOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& probs, const vkrt::BufferRange& labels,
                             const vkrt::BufferRange& dlogits, std::uint32_t n, float scale) const {
  if (n == 0) return;
  const std::uint64_t count = std::uint64_t(n) * classes_;
  if (count > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("SoftmaxXentOp: more than 2^32 - 1 logits; split the batch");
  require_elements(probs, count, "probs");
  require_elements(labels, n, "labels");
  require_elements(dlogits, count, "dlogits");
  stream.dispatch(backward_, {probs, labels, dlogits}, BackwardPush{static_cast<std::uint32_t>(count), scale},
                  vkrt::linear_groups(count, kLocal));
}

}  // namespace alexnet
