// Dynamic loss scaling for --precision fp16, on the host: what scale the next step uses and
// whether the step just computed may update the weights. The device side (the scale's buffer, the
// overflow check, the unscaling update) is model/ops/loss_scale.h.
//
// The rule, as PyTorch's GradScaler: start at kInitialLossScale; a step whose scaled gradients
// hold a NaN or an infinity is skipped (no update: weights and momentum stay as they were) and
// the scale halves; after kLossScaleGrowthInterval finite steps in a row it doubles (up to
// kMaxLossScale). Scales stay powers of two, so scaling and unscaling are exact. fp32 runs keep
// scale 1 and never skip.
#pragma once

#include <cstdint>
#include <string>

namespace alexnet {

inline constexpr float kInitialLossScale = 65536.0f;              // 2^16
inline constexpr std::uint64_t kLossScaleGrowthInterval = 2000;   // finite steps before doubling
inline constexpr float kMaxLossScale = 16777216.0f;               // 2^24
// Below this the loss gradient itself is under fp16's subnormal range: the overflows are not the
// scale's doing (a NaN in the data or the weights), so the run stops rather than skip forever.
inline constexpr float kMinLossScale = 1.0f / 16777216.0f;        // 2^-24

// Where the scaler stands; checkpoints record it so a resumed run continues with the same scale.
struct LossScaleState {
  float scale = 1.0f;
  std::uint64_t finite_steps = 0;   // finite steps since the scale last changed
  std::uint64_t skipped_steps = 0;  // in the whole run
};

// The scaler's state at the start of a run at fp16 (scale kInitialLossScale) or fp32 (scale 1).
LossScaleState initial_loss_scale(bool fp16);

// After a step at fp16: whether its update is applied. On overflow the scale halves and the skip
// is counted; `message` is then the line to log ("step K: ... skipped"). Throws NonFiniteError
// (model/graph/parameter_set.h) when the halved scale would fall below kMinLossScale.
bool loss_scale_after_step(LossScaleState& state, bool overflowed, std::uint64_t step, std::string& message);

}  // namespace alexnet
