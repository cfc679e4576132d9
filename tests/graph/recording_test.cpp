// Record once, replay: a training step's command buffers are recorded once per staging slot (one
// device double-buffers its uploads, so steps 1 and 2 record, then they replay; two devices record
// on the first step) and replayed after (the batch, learning rate and dropout key live in
// buffers); and a replayed step still draws each step's own dropout masks.
#include <gtest/gtest.h>

#include <random>

#include "model/model.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

class Recording : public testing::VulkanTest {};

// Runs `steps` training steps with a new dropout key each (steps first, first + 1, ...) on the same
// batch; returns recordings() after each.
std::vector<std::size_t> recordings_per_step(Model& model, int steps, std::vector<std::vector<float>>* losses = nullptr,
                                             std::uint32_t first = 0) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  std::vector<float> images(std::size_t(model.batch()) * model.input_count());
  std::vector<std::int32_t> labels(model.batch());
  for (float& v : images) v = pixel(rng);
  for (auto& l : labels) l = static_cast<std::int32_t>(rng() % model.arch().classes);
  std::vector<std::size_t> counts;
  for (int step = 0; step < steps; ++step) {
    model.stage({images, labels});
    model.submit_gradients(net::StepKey{7, first + static_cast<std::uint32_t>(step), true});
    model.wait();
    if (losses) losses->emplace_back(model.loss().begin(), model.loss().end());
    model.update(0.0f);  // lr 0: the weights stay, so only the dropout masks change the losses
    counts.push_back(model.recordings());
  }
  return counts;
}

TEST_F(Recording, AOneDeviceStepIsRecordedOnceAndReplayed) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);  // dropout 0.5 on fc6 and fc7
  auto model = open_model({&testing::context()}, arch, ModelOptions{8, 4, true, SgdConfig{}});
  model->initialize(3);
  std::vector<std::vector<float>> losses;
  const auto counts = recordings_per_step(*model, 5, &losses);
  EXPECT_EQ(counts[1], counts[0] + 1) << "the second staging slot records its own step, once";
  for (std::size_t i = 2; i < counts.size(); ++i) EXPECT_EQ(counts[i], counts[1]) << "recorded again at step " << i;
  // Same weights and images: the losses differ between steps only through their masks, so a
  // replayed step that kept the first step's key would repeat its losses.
  for (std::size_t i = 1; i < losses.size(); ++i) EXPECT_NE(losses[i], losses[0]) << "step " << i << " reused a mask";

  // The replayed step 3 equals a fresh model whose first (so freshly recorded) step is step 3.
  auto fresh = open_model({&testing::context()}, arch, ModelOptions{8, 4, true, SgdConfig{}});
  fresh->initialize(3);
  std::vector<std::vector<float>> fresh_losses;
  recordings_per_step(*fresh, 1, &fresh_losses, 3);
  EXPECT_EQ(fresh_losses[0], losses[3]);
}

TEST_F(Recording, ATwoDeviceStepIsRecordedOnceAndReplayed) {
  vkrt::Context first(testing::instance(), testing::context().info().index),
      second(testing::instance(), testing::context().info().index);
  auto model = open_model({&first, &second}, make_arch("alexnet-small", 10, 1, 28), ModelOptions{4, 4, true, SgdConfig{}});
  model->initialize(3);
  const auto counts = recordings_per_step(*model, 4);
  for (std::size_t i = 1; i < counts.size(); ++i) EXPECT_EQ(counts[i], counts[0]) << "recorded again at step " << i;
}

}  // namespace
}  // namespace alexnet
