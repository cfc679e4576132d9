// Weights in and out (model/io/weights.h): an import then an export gives the same bytes, and a
// file that does not fit the architecture is a one-line error naming the tensor and both shapes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "model/io/weights.h"
#include "model/model.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {
namespace fs = std::filesystem;

class Weights : public testing::VulkanTest {
 protected:
  void SetUp() override {
    VulkanTest::SetUp();
    dir_ = fs::path(::testing::TempDir()) / ("weights_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    VulkanTest::TearDown();
  }
  std::unique_ptr<Model> model(int classes, std::uint64_t seed) {
    auto m = open_model({&testing::context()}, make_arch("alexnet-small", classes, 1, 28), ModelOptions{2, 0, false, {}});
    m->initialize(seed);
    return m;
  }
  static std::map<std::string, Tensor> values(Model& m) {
    std::map<std::string, Tensor> out;
    const auto infos = m.parameter_infos();
    for (std::size_t i = 0; i < infos.size(); ++i) out[infos[i].name] = {infos[i].shape, m.read_parameter(i, ParameterPart::Value)};
    return out;
  }
  static std::string bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
};

TEST_F(Weights, ImportThenExportRoundTripsBitExactly) {
  auto source = model(10, 1);
  data::Normalization norm;
  norm.mean = {72.5f};
  const Arch arch = source->arch();
  write_weights((dir_ / "a.safetensors").string(), values(*source), arch, norm, {}, "idx");
  const WeightsFile file = read_weights((dir_ / "a.safetensors").string());
  ASSERT_TRUE(file.arch && file.norm);
  EXPECT_EQ(file.norm->mean, norm.mean);

  auto target = model(10, 2);  // other initial weights, overwritten by the import
  EXPECT_EQ(import_weights(*target, file, "a.safetensors"), target->parameter_infos().size());
  const auto imported = values(*target);
  for (const auto& [name, tensor] : values(*source)) {
    EXPECT_EQ(imported.at(name).shape, tensor.shape) << name;
    EXPECT_EQ(imported.at(name).data, tensor.data) << name;  // float ==: bit-exact for finite values
  }
  write_weights((dir_ / "b.safetensors").string(), imported, *file.arch, *file.norm, {}, "idx");
  EXPECT_EQ(bytes(dir_ / "b.safetensors"), bytes(dir_ / "a.safetensors"));
}

TEST_F(Weights, AFileThatDoesNotFitIsAOneLineErrorNamingTheTensor) {
  auto source = model(5, 1);
  write_weights((dir_ / "five.safetensors").string(), values(*source), source->arch(), {}, {}, "idx");
  const WeightsFile five = read_weights((dir_ / "five.safetensors").string());
  auto ten = model(10, 1);
  try {
    import_weights(*ten, five, "five.safetensors");
    FAIL() << "5-class weights loaded into a 10-class network";
  } catch (const CheckpointError& e) {
    EXPECT_STREQ(e.what(), "five.safetensors: tensor fc8.weight is [5, 512], the architecture wants [10, 512]");
  }
  // Keeping the classifier loads everything else.
  EXPECT_EQ(import_weights(*ten, five, "five.safetensors", {"fc8.weight", "fc8.bias"}),
            ten->parameter_infos().size() - 2);

  WeightsFile missing = five;
  missing.tensors.erase("conv3.bias");
  EXPECT_THROW(
      {
        try {
          import_weights(*ten, missing, "m.safetensors", {"fc8.weight", "fc8.bias"});
        } catch (const CheckpointError& e) {
          EXPECT_STREQ(e.what(), "m.safetensors: tensor conv3.bias is missing (the architecture wants [96])");
          throw;
        }
      },
      CheckpointError);
  WeightsFile extra = five;
  extra.tensors["features.0.weight"] = {{2, 2}, {1, 2, 3, 4}};
  EXPECT_THROW(import_weights(*ten, extra, "x.safetensors", {"fc8.weight", "fc8.bias"}), CheckpointError);
}

}  // namespace
}  // namespace alexnet
