// The two-device network against the one-device network: same Arch (groups 2 on conv2/4/5), same
// initial weights and data; the outputs, every parameter gradient, and the weights and momentum
// after each of three SGD steps must agree. The two "devices" are two logical devices on the test
// device (--devices 0,0), so CI exercises the whole exchange path on lavapipe.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/split/split_network.h"
#include "runtime/stream.h"
#include "runtime/transfer.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

// max |a - b| / max |b|: the difference relative to the tensor's scale. Elementwise relative error
// is meaningless for entries that cancel to near zero (a sum split in two halves rounds apart).
double worst_seen = 0;  // over a test, printed at its end

double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    diff = std::max(diff, std::fabs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  const double r = scale > 0 ? diff / scale : diff;
  worst_seen = std::max(worst_seen, r);
  return r;
}

class SplitNetworkTest : public testing::VulkanTest {};

// Classes (odd: fc8's halves differ), dropout, micro-batch rounds per step.
struct SplitCase {
  int classes;
  float dropout;
  int rounds;
};
class SplitTraining : public testing::VulkanTest, public ::testing::WithParamInterface<SplitCase> {};

// One step on one device: forward, loss and backward over the batch, leaving the gradients.
struct OneDeviceStep {
  vkrt::Buffer images, labels, loss, probs, lr;
  OneDeviceStep(vkrt::Context& c, const std::vector<float>& x, const std::vector<std::int32_t>& y, int batch, int classes)
      : images(vkrt::upload<float>(c, x)),
        labels(vkrt::upload<std::int32_t>(c, y)),
        loss(c.allocator().allocate(batch * 4, vkrt::Intent::DeviceLocal)),
        probs(c.allocator().allocate(std::size_t(batch) * classes * 4, vkrt::Intent::DeviceLocal)),
        lr(c.allocator().allocate(4, vkrt::Intent::Upload)) {}
};

TEST_P(SplitTraining, EqualsOneDeviceForThreeSgdSteps) {
  vkrt::Context& one_context = testing::context();
  vkrt::Context first(testing::instance(), one_context.info().index), second(testing::instance(), one_context.info().index);
  ArchOptions options;
  options.dropout = GetParam().dropout;  // on, its masks must match too
  const Arch arch = make_arch("alexnet-small", GetParam().classes, 1, 28, options);
  const int micro_batch = 4, batch = micro_batch * GetParam().rounds;  // rounds > 1: gradients accumulate

  Network one(one_context, arch, micro_batch);
  SplitNetwork two(first, second, arch, micro_batch, batch);
  one.initialize(11);
  two.initialize(11);
  const auto infos = one.parameter_infos();
  ASSERT_EQ(infos.size(), two.parameter_infos().size());
  for (std::size_t i = 0; i < infos.size(); ++i) {
    EXPECT_EQ(two.parameter_infos()[i].name, infos[i].name);
    EXPECT_EQ(two.parameter_infos()[i].shape, infos[i].shape);
    EXPECT_EQ(two.read_parameter(i, ParameterPart::Value), one.read_parameter(i, ParameterPart::Value)) << infos[i].name;
  }

  std::mt19937 rng(3);
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  worst_seen = 0;
  const SgdConfig sgd;
  const float lr = 0.01f;  // the paper's
  for (std::uint32_t step = 0; step < 3; ++step) {
    std::vector<float> images(batch * one.input_count());
    std::vector<std::int32_t> labels(batch);
    for (float& v : images) v = pixel(rng);
    for (auto& l : labels) l = static_cast<std::int32_t>(rng() % arch.classes);
    const net::StepKey key{5, step, true};

    OneDeviceStep b(one_context, images, labels, batch, arch.classes);
    *static_cast<float*>(b.lr.mapped()) = lr;
    vkrt::Stream stream(one_context);
    stream.begin();
    one.record_train_gradients(stream, b.images, b.labels, batch, key, b.loss, b.probs);
    stream.end();
    stream.submit_and_wait();
    const auto one_loss = vkrt::read<float>(one_context, b.loss, batch);
    const auto one_probs = vkrt::read<float>(one_context, b.probs, std::size_t(batch) * arch.classes);

    std::vector<float> two_loss(batch), two_probs(std::size_t(batch) * arch.classes);
    two.train_gradients(images, labels, key, two_loss, two_probs);
    EXPECT_LE(relative_difference(two_loss, one_loss), 1e-5) << "loss, step " << step;
    EXPECT_LE(relative_difference(two_probs, one_probs), 1e-5) << "probabilities, step " << step;
    EXPECT_GT(two.exchanged_bytes(), 0u);
    for (std::size_t i = 0; i < infos.size(); ++i)
      EXPECT_LE(relative_difference(two.read_parameter(i, ParameterPart::Gradient),
                                    one.read_parameter(i, ParameterPart::Gradient)),
                1e-5)
          << infos[i].name << " gradient, step " << step;

    stream.begin();
    one.record_update(stream, b.lr, sgd);
    stream.end();
    stream.submit_and_wait();
    two.update(lr, sgd);
    for (std::size_t i = 0; i < infos.size(); ++i) {
      EXPECT_LE(relative_difference(two.read_parameter(i, ParameterPart::Value), one.read_parameter(i, ParameterPart::Value)),
                1e-5)
          << infos[i].name << " after step " << step;
      EXPECT_LE(relative_difference(two.read_parameter(i, ParameterPart::Momentum),
                                    one.read_parameter(i, ParameterPart::Momentum)),
                1e-5)
          << infos[i].name << " momentum after step " << step;
    }
  }
  std::printf("largest difference relative to a tensor's scale: %.3g\n", worst_seen);
}

INSTANTIATE_TEST_SUITE_P(Cases, SplitTraining,
                         ::testing::Values(SplitCase{7, 0.5f, 2}, SplitCase{10, 0.5f, 1}, SplitCase{10, 0.0f, 2}),
                         [](const auto& info) {
                           return std::to_string(info.param.classes) + "_classes_dropout_" +
                                  std::to_string(static_cast<int>(info.param.dropout * 10)) + "_rounds_" +
                                  std::to_string(info.param.rounds);
                         });

// Inference through the split network gives the one-device probabilities (dropout off).
TEST_F(SplitNetworkTest, InferenceEqualsOneDevice) {
  vkrt::Context& one_context = testing::context();
  vkrt::Context first(testing::instance(), one_context.info().index), second(testing::instance(), one_context.info().index);
  const Arch arch = make_arch("alexnet-small", 10, 3, 32);
  const int micro_batch = 3;
  Network one(one_context, arch, micro_batch);
  SplitNetwork two(first, second, arch, micro_batch, micro_batch);
  one.initialize(2);
  for (std::size_t i = 0; i < one.parameter_infos().size(); ++i)
    two.write_parameter(i, ParameterPart::Value, one.read_parameter(i, ParameterPart::Value));
  std::vector<float> images(micro_batch * one.input_count());
  std::mt19937 rng(9);
  for (float& v : images) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  vkrt::Buffer x = vkrt::upload<float>(one_context, images);
  vkrt::Buffer probs = one_context.allocator().allocate(micro_batch * arch.classes * 4, vkrt::Intent::DeviceLocal);
  vkrt::Stream stream(one_context);
  stream.begin();
  one.record_inference(stream, x, micro_batch, probs);
  stream.end();
  stream.submit_and_wait();
  const auto expected = vkrt::read<float>(one_context, probs, micro_batch * arch.classes);
  std::vector<float> got(micro_batch * arch.classes);
  for (int repeat = 0; repeat < 2; ++repeat) {  // the recording is replayed
    two.infer(images, got);
    EXPECT_LE(relative_difference(got, expected), 1e-5);
  }
}

// An Arch whose layers cannot be halved is refused with a message naming the layer.
TEST(SplitPlan, OddWidthIsRefused) {
  Arch arch = make_arch("alexnet-small", 10, 1, 28);
  arch.convs[0].out = 33;
  vkrt::Context first(testing::instance(), testing::context().info().index),
      second(testing::instance(), testing::context().info().index);
  try {
    SplitNetwork two(first, second, arch, 1, 1);
    FAIL() << "an odd conv1 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("conv1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace alexnet
