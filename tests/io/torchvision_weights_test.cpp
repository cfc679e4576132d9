// torchvision's AlexNet weights in: a state_dict saved as safetensors under torchvision's names
// (features.0.weight, ..., classifier.6.bias; no metadata), generated here for a reduced
// torchvision-layout net, loads into the architecture and gives the probabilities the CPU
// reference forward computes from the same weights.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <unistd.h>

#include "model/graph/arch_json.h"
#include "model/io/safetensors.h"
#include "model/io/weights.h"
#include "model/model.h"
#include "model/reference/activation.h"
#include "model/reference/adaptive_avgpool.h"
#include "model/reference/conv2d.h"
#include "model/reference/fc.h"
#include "model/reference/lrn.h"
#include "model/reference/maxpool.h"
#include "model/reference/softmax_xent.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {
namespace fs = std::filesystem;

// torchvision's layout at a tenth of its widths; at 131x131 pool5 is 3x3 and the adaptive pool to
// 2x2 averages overlapping windows (rows [0, 2) and [1, 3)).
Arch reduced_torchvision(int classes) {
  nlohmann::json j = arch_to_json(arch_preset("alexnet-torchvision"));
  j["name"] = "torchvision-reduced";
  const int widths[] = {8, 12, 16, 12, 12};
  for (int i = 0; i < 5; ++i) j["convs"][i]["out"] = widths[i];
  j["fcs"][0]["out"] = 24;
  j["fcs"][1]["out"] = 20;
  j["fcs"][2].erase("out");
  j["avgpool"] = 2;
  j["in_size"] = 131;
  return fit_arch(arch_from_json(j), classes, 3);
}

// The forward of `arch` in double on the CPU, node by node (dropout is the identity).
std::vector<double> reference_probs(const Arch& arch, const std::map<std::string, Tensor>& params,
                                    std::vector<double> x, int n) {
  auto tensor = [&](const std::string& name) {
    const auto& t = params.at(name).data;
    return std::vector<double>(t.begin(), t.end());
  };
  for (const ArchNode& node : walk(arch)) {
    switch (node.kind) {
      case NodeKind::Conv: {
        const ConvSpec& c = *node.conv;
        const ref::Conv2dShape s{n, node.in.c, node.in.h, node.in.w, c.out, c.kernel, c.kernel,
                                 c.stride, c.pad, c.pad_end, c.groups};
        x = ref::conv2d_forward<double>(s, x, tensor(c.name + ".weight"), tensor(c.name + ".bias"));
        break;
      }
      case NodeKind::Fc:
        x = ref::fc_forward<double>({n, node.in.c, node.out.c}, x, tensor(node.name + ".weight"),
                                    tensor(node.name + ".bias"));
        break;
      case NodeKind::Activation: x = ref::activation_forward<double>(arch.options.activation, x); break;
      case NodeKind::Lrn: x = ref::lrn_forward<double>({n, node.in.c, node.in.h, node.in.w}, arch.lrn, x); break;
      case NodeKind::Pool:
        x = ref::maxpool_forward<double>({n, node.in.c, node.in.h, node.in.w, arch.pool_kernel(), arch.pool_stride()}, x);
        break;
      case NodeKind::AvgPool:
        x = ref::adaptive_avgpool_forward<double>({n, node.in.c, node.in.h, node.in.w, node.out.h, node.out.w}, x);
        break;
      case NodeKind::Dropout: break;
    }
  }
  return ref::softmax_forward<double>(n, arch.classes, x);
}

class TorchvisionWeights : public testing::VulkanTest {
 protected:
  void SetUp() override {
    VulkanTest::SetUp();
    dir_ = fs::path(::testing::TempDir()) / ("tv_weights_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    VulkanTest::TearDown();
  }
  fs::path dir_;
};

TEST(TorchvisionNames, MapTorchvisionsModulesToOurLayers) {
  const auto names = torchvision_names(arch_preset("alexnet-torchvision"));
  const std::map<std::string, std::string> modules{
      {"features.0", "conv1"}, {"features.3", "conv2"}, {"features.6", "conv3"}, {"features.8", "conv4"},
      {"features.10", "conv5"}, {"classifier.1", "fc6"}, {"classifier.4", "fc7"}, {"classifier.6", "fc8"}};
  ASSERT_EQ(names.size(), 2 * modules.size());
  for (const auto& [module, layer] : modules) {
    EXPECT_EQ(names.at(module + ".weight"), layer + ".weight");
    EXPECT_EQ(names.at(module + ".bias"), layer + ".bias");
  }
  // The paper's layout has LRN modules in its features: conv2 is features.4 there.
  EXPECT_EQ(torchvision_names(arch_preset("alexnet")).at("features.4.weight"), "conv2.weight");
}

TEST_F(TorchvisionWeights, AStateDictUnderTorchvisionsNamesGivesTheReferenceOutputs) {
  const int classes = 5, n = 2;
  const Arch arch = reduced_torchvision(classes);
  // The state_dict as torch.save_file would write it: torchvision's names, PyTorch's shapes.
  const std::pair<const char*, std::string> modules[] = {
      {"features.0", "conv1"}, {"features.3", "conv2"}, {"features.6", "conv3"}, {"features.8", "conv4"},
      {"features.10", "conv5"}, {"classifier.1", "fc6"}, {"classifier.4", "fc7"}, {"classifier.6", "fc8"}};
  std::map<std::string, Tensor> state_dict, ours;
  std::mt19937 rng(11);
  for (const ArchNode& node : walk(arch)) {
    if (node.kind != NodeKind::Conv && node.kind != NodeKind::Fc) continue;
    std::vector<int> shape{node.out.c, node.in.c};
    if (node.conv) shape = {node.out.c, node.in.c / node.conv->groups, node.conv->kernel, node.conv->kernel};
    std::size_t count = 1;
    for (int d : shape) count *= std::size_t(d);
    std::normal_distribution<float> w(0.0f, std::sqrt(2.0f / float(count / std::size_t(shape[0]))));
    std::uniform_real_distribution<float> b(-0.1f, 0.1f);
    Tensor weight{shape, {}}, bias{{node.out.c}, {}};
    for (std::size_t i = 0; i < count; ++i) weight.data.push_back(w(rng));
    for (int i = 0; i < node.out.c; ++i) bias.data.push_back(b(rng));
    for (const auto& [module, layer] : modules)
      if (layer == node.name) {
        state_dict[std::string(module) + ".weight"] = weight;
        state_dict[std::string(module) + ".bias"] = bias;
      }
    ours[node.name + ".weight"] = weight;
    ours[node.name + ".bias"] = bias;
  }
  ASSERT_EQ(state_dict.size(), 16u);
  const std::string path = (dir_ / "alexnet_tv.safetensors").string();
  write_safetensors(path, state_dict, {{"format", "pt"}});

  WeightsFile file = read_weights(path);
  EXPECT_FALSE(file.arch);
  EXPECT_TRUE(rename_torchvision(file, arch));
  auto model = open_model({&testing::context()}, arch, ModelOptions{n, 0, false, {}});
  model->initialize(1);
  EXPECT_EQ(import_weights(*model, file, path), 16u);

  std::mt19937 pixels(12);
  std::normal_distribution<float> value(0.0f, 1.0f);  // normalised inputs
  std::vector<float> images(std::size_t(n) * 3 * 131 * 131);
  for (float& v : images) v = value(pixels);
  std::vector<float> probs(std::size_t(n) * classes);
  model->infer(images, probs);
  const auto want = reference_probs(arch, ours, std::vector<double>(images.begin(), images.end()), n);
  ASSERT_EQ(want.size(), probs.size());
  double spread = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    EXPECT_NEAR(probs[i], want[i], 1e-4) << "probability " << i;
    spread = std::max(spread, std::abs(want[i] - 1.0 / classes));
  }
  EXPECT_GT(spread, 0.01) << "the outputs do not depend on the weights enough to tell";

  // A torchvision name the layout does not have is one line naming it.
  WeightsFile extra = read_weights(path);
  extra.tensors["features.2.weight"] = {{1}, {0.0f}};
  rename_torchvision(extra, arch);
  EXPECT_THROW(import_weights(*model, extra, path), CheckpointError);
}

}  // namespace
}  // namespace alexnet
