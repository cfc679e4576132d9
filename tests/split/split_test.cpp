// The two-device network against the one-device network: same Arch (groups 2 on conv2/4/5), same
// initial weights and data; the outputs, every parameter gradient, and the weights and momentum
// after each of three SGD steps must agree (each step starting from the one-device weights, see
// the loop). The two "devices" are two logical devices on the test
// device (--devices 0,0), so CI exercises the whole exchange path on lavapipe.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model/graph/arch_json.h"
#include "model/model.h"
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
  bool torchvision = false;  // torchvision's layout at alexnet-small's widths (model/graph/arch.cpp)
};

// alexnet-small's widths in torchvision's layout: no groups, no LRN, adaptive average pooling
// (pool5's 2x2 to 3x3: windows overlap), dropout before fc6 and fc7.
Arch torchvision_small(int classes, const ArchOptions& options) {
  nlohmann::json j = arch_to_json(make_arch("alexnet-small", classes, 1, 28, options));
  j["name"] = "torchvision-small";
  for (auto& c : j["convs"]) c["groups"] = 1, c["lrn"] = false;
  j["avgpool"] = 3;
  j["fcs"][0]["input_dropout"] = true;
  j["fcs"][1]["dropout"] = false;
  return arch_from_json(j);
}
class SplitTraining : public testing::VulkanTest, public ::testing::WithParamInterface<SplitCase> {};

// Both layouts through the one model interface: the same calls, the same numbers expected.
TEST_P(SplitTraining, EqualsOneDeviceForThreeSgdSteps) {
  vkrt::Context& one_context = testing::context();
  vkrt::Context first(testing::instance(), one_context.info().index), second(testing::instance(), one_context.info().index);
  ArchOptions options;
  options.dropout = GetParam().dropout;  // on, its masks must match too
  const Arch arch = GetParam().torchvision ? torchvision_small(GetParam().classes, options)
                                           : make_arch("alexnet-small", GetParam().classes, 1, 28, options);
  const int micro_batch = 4, batch = micro_batch * GetParam().rounds;  // rounds > 1: gradients accumulate
  const float lr = 0.01f;  // the paper's
  const ModelOptions model_options{batch, micro_batch, true, SgdConfig{}};

  auto one = open_model({&one_context}, arch, model_options);
  auto two = open_model({&first, &second}, arch, model_options);
  one->initialize(11);
  two->initialize(11);
  const auto infos = one->parameter_infos();
  ASSERT_EQ(infos.size(), two->parameter_infos().size());
  for (std::size_t i = 0; i < infos.size(); ++i) {
    EXPECT_EQ(two->parameter_infos()[i].name, infos[i].name);
    EXPECT_EQ(two->parameter_infos()[i].shape, infos[i].shape);
    EXPECT_EQ(two->read_parameter(i, ParameterPart::Value), one->read_parameter(i, ParameterPart::Value)) << infos[i].name;
  }

  std::mt19937 rng(3);
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  worst_seen = 0;
  for (std::uint32_t step = 0; step < 3; ++step) {
    std::vector<float> images(batch * one->input_count());
    std::vector<std::int32_t> labels(batch);
    for (float& v : images) v = pixel(rng);
    for (auto& l : labels) l = static_cast<std::int32_t>(rng() % arch.classes);
    const net::StepKey key{5, step, true};
    for (Model* m : {one.get(), two.get()}) {
      m->stage({images, labels});
      m->submit_gradients(key);
      m->wait();
    }
    const std::vector<float> one_loss(one->loss().begin(), one->loss().end());
    const std::vector<float> one_probs(one->probs().begin(), one->probs().end());
    const std::vector<float> two_loss(two->loss().begin(), two->loss().end());
    const std::vector<float> two_probs(two->probs().begin(), two->probs().end());
    EXPECT_LE(relative_difference(two_loss, one_loss), 1e-5) << "loss, step " << step;
    EXPECT_LE(relative_difference(two_probs, one_probs), 1e-5) << "probabilities, step " << step;
    EXPECT_GT(two->last_stats().exchanged_bytes, 0u);
    for (std::size_t i = 0; i < infos.size(); ++i)
      EXPECT_LE(relative_difference(two->read_parameter(i, ParameterPart::Gradient),
                                    one->read_parameter(i, ParameterPart::Gradient)),
                1e-5)
          << infos[i].name << " gradient, step " << step;

    one->update(lr);
    two->update(lr);
    for (std::size_t i = 0; i < infos.size(); ++i) {
      EXPECT_LE(relative_difference(two->read_parameter(i, ParameterPart::Value), one->read_parameter(i, ParameterPart::Value)),
                1e-5)
          << infos[i].name << " after step " << step;
      EXPECT_LE(relative_difference(two->read_parameter(i, ParameterPart::Momentum),
                                    one->read_parameter(i, ParameterPart::Momentum)),
                1e-5)
          << infos[i].name << " momentum after step " << step;
    }
    // The next step starts from the same weights on both: each step then measures its own
    // arithmetic. Without this the weights' drift (~1e-7 of their scale, the two layouts sum in
    // different orders) can flip a near-tie of a ReLU or a max-pool window in the next step,
    // which routes a sample's gradient elsewhere: a different valid subgradient, ~1% of a
    // tensor's scale, not an error of the split.
    for (std::size_t i = 0; i < infos.size(); ++i)
      for (ParameterPart part : {ParameterPart::Value, ParameterPart::Momentum})
        two->write_parameter(i, part, one->read_parameter(i, part));
  }
  std::printf("largest difference relative to a tensor's scale: %.3g\n", worst_seen);
}

INSTANTIATE_TEST_SUITE_P(Cases, SplitTraining,
                         ::testing::Values(SplitCase{7, 0.5f, 2}, SplitCase{10, 0.5f, 1}, SplitCase{10, 0.0f, 2},
                                           SplitCase{7, 0.5f, 2, true}),
                         [](const auto& info) {
                           return std::string(info.param.torchvision ? "torchvision_" : "") +
                                  std::to_string(info.param.classes) + "_classes_dropout_" +
                                  std::to_string(static_cast<int>(info.param.dropout * 10)) + "_rounds_" +
                                  std::to_string(info.param.rounds);
                         });

// Inference through the split network gives the one-device probabilities (dropout off), and a
// named layer's features in the one-device layout.
TEST_F(SplitNetworkTest, InferenceEqualsOneDevice) {
  vkrt::Context& one_context = testing::context();
  vkrt::Context first(testing::instance(), one_context.info().index), second(testing::instance(), one_context.info().index);
  const Arch arch = make_arch("alexnet-small", 10, 3, 32);
  const int micro_batch = 3;
  const ModelOptions options{micro_batch, micro_batch, false, SgdConfig{}};
  auto one = open_model({&one_context}, arch, options);
  auto two = open_model({&first, &second}, arch, options);
  one->initialize(2);
  for (std::size_t i = 0; i < one->parameter_infos().size(); ++i)
    two->write_parameter(i, ParameterPart::Value, one->read_parameter(i, ParameterPart::Value));
  std::vector<float> images(micro_batch * one->input_count());
  std::mt19937 rng(9);
  for (float& v : images) v = std::uniform_real_distribution<float>(-1, 1)(rng);
  std::vector<float> expected(micro_batch * arch.classes);
  one->infer(images, expected);
  std::vector<float> got(micro_batch * arch.classes);
  for (int repeat = 0; repeat < 2; ++repeat) {  // the recording is replayed
    two->infer(images, got);
    EXPECT_LE(relative_difference(got, expected), 1e-5);
  }
  for (const std::string layer : {"conv2", "fc7"}) {  // a grouped conv's channels, a gathered fc's units
    std::vector<float> one_features(micro_batch * one->feature_count(layer)), two_features(one_features.size());
    one->infer_features(images, layer, one_features, expected);
    two->infer_features(images, layer, two_features, got);
    EXPECT_LE(relative_difference(two_features, one_features), 1e-5) << layer;
    EXPECT_GT(*std::max_element(one_features.begin(), one_features.end()), 0.0f) << layer << " is all zero";
  }
}

// An Arch whose layers cannot be halved is refused with a message naming the layer.
TEST(SplitPlan, OddWidthIsRefused) {
  Arch arch = make_arch("alexnet-small", 10, 1, 28);
  arch.convs[0].out = 33;
  vkrt::Context first(testing::instance(), testing::context().info().index),
      second(testing::instance(), testing::context().info().index);
  try {
    auto two = open_model({&first, &second}, arch, ModelOptions{1, 1, true, SgdConfig{}});
    FAIL() << "an odd conv1 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("conv1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace alexnet
