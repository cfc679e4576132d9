// ModelOptions::gemm_path (bench --gemm-path) reaches every convolution and fully connected layer
// of both layouts: a path asked for is the path each op runs, a path an op cannot take is the
// op's error, and a training step on either fp32 path gives the same losses to fp32 rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "model/graph/network.h"
#include "model/layers/conv_layer.h"
#include "model/layers/fc_layer.h"
#include "model/model.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

class GemmPathChoice : public testing::VulkanTest {};

// The paths the network's convolutions and fully connected layers run.
std::vector<GemmPath> layer_paths(const Network& network) {
  std::vector<GemmPath> out;
  for (const auto& layer : network.layers()) {
    if (const auto* conv = dynamic_cast<const net::ConvLayer*>(layer.get())) out.push_back(conv->gemm_path());
    if (const auto* fc = dynamic_cast<const net::FcLayer*>(layer.get())) out.push_back(fc->gemm_path());
  }
  return out;
}

TEST_F(GemmPathChoice, EveryLayerRunsThePathAskedFor) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  for (GemmPath path : {GemmPath::Tiled, GemmPath::Texel}) {
    SCOPED_TRACE(gemm_path_name(path));
    const Network network(testing::context(), arch, 2, Precision::Fp32, path);
    const auto paths = layer_paths(network);
    ASSERT_EQ(paths.size(), 8u) << "alexnet-small has five convolutions and three fully connected layers";
    for (GemmPath p : paths) EXPECT_EQ(p, path);
  }
  // Auto: the device's default for every layer that can take it.
  const Network automatic(testing::context(), arch, 2);
  for (GemmPath p : layer_paths(automatic)) EXPECT_NE(p, GemmPath::Auto);
}

TEST_F(GemmPathChoice, APathTheOpsCannotTakeIsTheirError) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  ModelOptions options{4, 2, true, SgdConfig{}};
  options.gemm_path = GemmPath::CoopMat;  // fp16 storage only
  EXPECT_THROW(open_model({&testing::context()}, arch, options), std::invalid_argument);
  vkrt::Context first(testing::instance(), testing::context().info().index),
      second(testing::instance(), testing::context().info().index);
  EXPECT_THROW(open_model({&first, &second}, arch, options), std::invalid_argument) << "the split's layers too";
}

TEST_F(GemmPathChoice, BothFp32PathsTrainToTheSameLosses) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  std::vector<float> images(4 * 28 * 28);
  for (float& v : images) v = pixel(rng);
  const std::vector<std::int32_t> labels = {1, 4, 7, 9};
  std::vector<std::vector<float>> losses;
  for (GemmPath path : {GemmPath::Tiled, GemmPath::Texel}) {
    ModelOptions options{4, 2, true, SgdConfig{}};
    options.gemm_path = path;
    auto model = open_model({&testing::context()}, arch, options);
    model->initialize(5);
    std::vector<float> step_losses;
    for (std::uint32_t step = 0; step < 2; ++step) {  // the second step's losses follow an update
      model->stage({images, labels});
      model->submit_gradients(net::StepKey{3, step, true});
      model->wait();
      step_losses.insert(step_losses.end(), model->loss().begin(), model->loss().end());
      model->update(0.01f);
    }
    losses.push_back(step_losses);
  }
  ASSERT_EQ(losses[0].size(), losses[1].size());
  for (std::size_t i = 0; i < losses[0].size(); ++i) {
    ASSERT_TRUE(std::isfinite(losses[0][i]));
    // The two paths sum each product in a different order: they agree to a few fp32 ulps of the
    // sums, far inside 1e-4 of a loss near ln(10).
    EXPECT_NEAR(losses[0][i], losses[1][i], 1e-4f) << "sample " << i % 4 << " of step " << i / 4;
  }
}

}  // namespace
}  // namespace alexnet
