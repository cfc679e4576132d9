// The dynamic loss scale's rule (model/train/loss_scaler.h) on its own: halve and skip on overflow,
// double after kLossScaleGrowthInterval finite steps in a row, never past kMaxLossScale, and stop
// rather than scale below kMinLossScale.
#include <gtest/gtest.h>

#include <string>

#include "model/graph/parameter_set.h"
#include "model/train/loss_scaler.h"

namespace alexnet {
namespace {

TEST(LossScaler, StartsAtTwoToTheSixteenForFp16AndOneForFp32) {
  EXPECT_EQ(initial_loss_scale(true).scale, 65536.0f);
  EXPECT_EQ(initial_loss_scale(false).scale, 1.0f);
}

TEST(LossScaler, AnOverflowSkipsHalvesAndSaysSo) {
  LossScaleState s = initial_loss_scale(true);
  std::string message;
  EXPECT_TRUE(loss_scale_after_step(s, false, 1, message));
  EXPECT_TRUE(message.empty());
  EXPECT_FALSE(loss_scale_after_step(s, true, 2, message));
  EXPECT_EQ(message, "step 2: fp16 gradients overflowed at loss scale 65536: update skipped, loss scale -> 32768");
  EXPECT_EQ(s.scale, 32768.0f);
  EXPECT_EQ(s.skipped_steps, 1u);
  EXPECT_EQ(s.finite_steps, 0u);
}

TEST(LossScaler, DoublesAfterTheGrowthIntervalOfFiniteStepsInARow) {
  LossScaleState s = initial_loss_scale(true);
  std::string message;
  std::uint64_t step = 0;
  for (std::uint64_t i = 0; i + 1 < kLossScaleGrowthInterval; ++i) loss_scale_after_step(s, false, ++step, message);
  EXPECT_FALSE(loss_scale_after_step(s, true, ++step, message));  // the run of finite steps restarts
  for (std::uint64_t i = 0; i + 1 < kLossScaleGrowthInterval; ++i) loss_scale_after_step(s, false, ++step, message);
  EXPECT_EQ(s.scale, 32768.0f);
  loss_scale_after_step(s, false, ++step, message);
  EXPECT_EQ(s.scale, 65536.0f);
  EXPECT_EQ(s.finite_steps, 0u);
}

TEST(LossScaler, NeverGrowsPastTheMaximum) {
  LossScaleState s{kMaxLossScale, 0, 0};
  std::string message;
  for (std::uint64_t i = 0; i < 2 * kLossScaleGrowthInterval; ++i) loss_scale_after_step(s, false, i + 1, message);
  EXPECT_EQ(s.scale, kMaxLossScale);
}

TEST(LossScaler, StopsInsteadOfScalingBelowTheMinimum) {
  LossScaleState s{kMinLossScale, 0, 0};
  std::string message;
  try {
    loss_scale_after_step(s, true, 7, message);
    FAIL() << "no error";
  } catch (const NonFiniteError& e) {
    EXPECT_NE(std::string(e.what()).find("the fp16 gradients of step 7 overflowed even at loss scale"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace alexnet
