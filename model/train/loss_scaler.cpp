#include "model/train/loss_scaler.h"

#include <cstdio>

#include "model/graph/parameter_set.h"

namespace alexnet {

LossScaleState initial_loss_scale(bool fp16) {
  LossScaleState s;
  s.scale = fp16 ? kInitialLossScale : 1.0f;
  return s;
}

bool loss_scale_after_step(LossScaleState& s, bool overflowed, std::uint64_t step, std::string& message) {
  message.clear();
  if (!overflowed) {
    if (++s.finite_steps >= kLossScaleGrowthInterval && s.scale < kMaxLossScale) {
      s.scale *= 2;
      s.finite_steps = 0;
    }
    return true;
  }
  char text[200];
  if (s.scale / 2 < kMinLossScale) {
    std::snprintf(text, sizeof text,
                  "the fp16 gradients of step %llu overflowed even at loss scale %g: the weights or the data hold "
                  "non-finite values; try a lower --lr or --precision fp32",
                  static_cast<unsigned long long>(step), static_cast<double>(s.scale));
    throw NonFiniteError(text);
  }
  std::snprintf(text, sizeof text,
                "step %llu: fp16 gradients overflowed at loss scale %g: update skipped, loss scale -> %g",
                static_cast<unsigned long long>(step), static_cast<double>(s.scale), static_cast<double>(s.scale / 2));
  message = text;
  s.scale /= 2;
  s.finite_steps = 0;
  ++s.skipped_steps;
  return false;
}

}  // namespace alexnet
