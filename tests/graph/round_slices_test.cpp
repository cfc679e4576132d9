// A micro-batch whose slices of the step buffers are not aligned for binding (2 labels are 8
// bytes; kernels bind at multiples of 16 or more) trains as the whole batch in one round does:
// each round's labels, losses and probabilities go through scratch (model/graph/round_slices.h),
// on one device and on two.
#include <gtest/gtest.h>

#include <random>

#include "model/model.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

class MicroBatchSlices : public testing::VulkanTest {};

struct StepValues {
  std::vector<float> loss, probs;  // of two steps, one after the other
};

StepValues train_two_steps(const DeviceList& devices, int batch, int micro_batch) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  auto model = open_model(devices, arch, ModelOptions{batch, micro_batch, true, SgdConfig{}});
  EXPECT_EQ(model->micro_batch(), micro_batch);
  model->initialize(9);
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  std::vector<float> images(std::size_t(batch) * model->input_count());
  for (float& v : images) v = pixel(rng);
  std::vector<std::int32_t> labels(batch);
  for (int i = 0; i < batch; ++i) labels[i] = (3 * i + 1) % 10;
  StepValues run;
  for (std::uint32_t step = 0; step < 2; ++step) {
    model->stage({images, labels});
    model->submit_gradients(net::StepKey{2, step, true});
    model->wait();
    run.loss.insert(run.loss.end(), model->loss().begin(), model->loss().end());
    run.probs.insert(run.probs.end(), model->probs().begin(), model->probs().end());
    model->update(0.01f);
  }
  return run;
}

// Rounds sum the step's gradients in a different order from one round: the second step's values
// agree to float rounding, the first step's (before any update) too.
void expect_same(const StepValues& a, const StepValues& b) {
  ASSERT_EQ(a.loss.size(), b.loss.size());
  ASSERT_EQ(a.probs.size(), b.probs.size());
  for (std::size_t i = 0; i < a.loss.size(); ++i) EXPECT_NEAR(a.loss[i], b.loss[i], 1e-4f) << "loss " << i;
  for (std::size_t i = 0; i < a.probs.size(); ++i) EXPECT_NEAR(a.probs[i], b.probs[i], 1e-5f) << "prob " << i;
}

TEST_F(MicroBatchSlices, OneDeviceTrainsWithAnyMicroBatch) {
  const StepValues whole = train_two_steps({&testing::context()}, 6, 6);
  for (int micro_batch : {2, 3}) {
    SCOPED_TRACE("micro-batch " + std::to_string(micro_batch));
    expect_same(train_two_steps({&testing::context()}, 6, micro_batch), whole);
  }
}

TEST_F(MicroBatchSlices, TwoDevicesTrainWithAnyMicroBatch) {
  vkrt::Context first(testing::instance(), testing::context().info().index),
      second(testing::instance(), testing::context().info().index);
  expect_same(train_two_steps({&first, &second}, 6, 2), train_two_steps({&first, &second}, 6, 6));
}

}  // namespace
}  // namespace alexnet
