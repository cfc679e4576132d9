// Architectures as data (model/graph/arch_json.h, arch_file.h): every named architecture survives
// a JSON round trip, also under a name that is not a preset (so nothing comes from the preset's
// defaults); the shipped model/archs/torchvision.json is alexnet-torchvision field for field;
// torchvision's layer table; and each kind of bad file is one line naming the file and the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "model/graph/arch_file.h"
#include "model/graph/arch_json.h"

namespace alexnet {
namespace {
namespace fs = std::filesystem;

nlohmann::json without_name(nlohmann::json j) {
  j.erase("name");
  return j;
}

TEST(ArchJson, EveryNamedArchitectureRoundTrips) {
  for (const std::string& name : arch_names()) {
    const Arch a = make_arch(name, 10, 3, default_input_size(name));
    const nlohmann::json j = arch_to_json(a);
    EXPECT_EQ(arch_to_json(arch_from_json(j)), j) << name;
    // Under a name that is no preset, the JSON alone must describe the same network.
    nlohmann::json renamed = j;
    renamed["name"] = "my-" + name;
    const Arch b = arch_from_json(renamed);
    EXPECT_EQ(b.name, "my-" + name);
    EXPECT_EQ(without_name(arch_to_json(b)), without_name(j)) << name;
    EXPECT_EQ(b.parameter_count(), a.parameter_count()) << name;
    const auto wa = walk(a), wb = walk(b);
    ASSERT_EQ(wa.size(), wb.size()) << name;
    for (std::size_t i = 0; i < wa.size(); ++i) {
      EXPECT_EQ(wa[i].name, wb[i].name);
      EXPECT_EQ(wa[i].out.count(), wb[i].out.count()) << wa[i].name;
    }
  }
}

TEST(ArchJson, AnAlteredLayoutIsBuiltFromTheFile) {
  nlohmann::json j = arch_to_json(make_arch("alexnet-small", 10, 1, 28));
  j["name"] = "wider";
  j["convs"][0]["out"] = 48;
  j["convs"][1]["groups"] = 1;
  j["convs"][1]["kernel"] = 3;
  j["convs"][1]["pad"] = 1;
  j["convs"][1]["pad_end"] = 1;
  j["avgpool"] = 2;
  j["fcs"][0]["input_dropout"] = true;
  const Arch a = arch_from_json(j);
  EXPECT_EQ(a.convs[0].out, 48);
  EXPECT_EQ(a.convs[1].groups, 1);
  EXPECT_EQ(a.convs[1].kernel, 3);
  EXPECT_EQ(a.flat_features(), 64 * 2 * 2);
  bool input_dropout = false;
  for (const auto& node : walk(a)) input_dropout = input_dropout || node.name == "fc6.input_dropout";
  EXPECT_TRUE(input_dropout);
}

TEST(ArchJson, ShippedTorchvisionFileIsTheNamedArchitecture) {
  const Arch file = read_arch_file(ALEXNET_VK_SOURCE_DIR "/model/archs/torchvision.json");
  const Arch named = arch_preset("alexnet-torchvision");
  EXPECT_EQ(without_name(arch_to_json(file)), without_name(arch_to_json(named)));
}

// torchvision.models.alexnet: 61,100,840 parameters; pool5 is 6x6 at 224, so the adaptive pool
// is the identity there and upsamples at a small input.
TEST(ArchJson, TorchvisionLayerTable) {
  const Arch a = make_arch("alexnet-torchvision", 1000, 3, 224);
  EXPECT_EQ(a.parameter_count(), 61100840u);
  EXPECT_EQ(make_arch("torchvision", 1000, 3, 224).name, "alexnet-torchvision");
  std::vector<std::string> names;
  for (const auto& node : walk(a)) {
    names.push_back(node.name);
    if (node.kind == NodeKind::AvgPool) {
      EXPECT_EQ(node.in.h, 6);
      EXPECT_EQ(node.out.count(), 256u * 6 * 6);
    }
  }
  const std::vector<std::string> want{"conv1", "conv1.act", "conv1.pool", "conv2", "conv2.act", "conv2.pool",
                                      "conv3", "conv3.act", "conv4", "conv4.act", "conv5", "conv5.act",
                                      "conv5.pool", "avgpool", "fc6.input_dropout", "fc6", "fc6.act",
                                      "fc6.dropout", "fc7", "fc7.act", "fc8"};
  EXPECT_EQ(names, want);
  const Arch small = make_arch("alexnet-torchvision", 10, 3, 64);  // pool5 is 1x1 at 64
  EXPECT_EQ(small.flat_features(), 256 * 6 * 6);
  EXPECT_EQ(small.parameter_count(), a.parameter_count() - 990 * 4097);
}

class ArchFileErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("arch_json_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // The one-line message reading `text` as an architecture file gives, without its path.
  std::string error_of(const std::string& text) {
    const std::string path = (dir_ / "arch.json").string();
    std::ofstream(path) << text;
    try {
      read_arch_file(path);
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      return message.substr(path.size() + 2);
    }
    ADD_FAILURE() << "no error for " << text;
    return "";
  }
  // A valid small layout with one change applied.
  std::string small_with(const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json j = arch_to_json(make_arch("alexnet-small", 10, 1, 28));
    j["name"] = "test";
    change(j);
    return error_of(j.dump());
  }
  fs::path dir_;
};

TEST_F(ArchFileErrors, EachKindIsOneLineNamingTheField) {
  EXPECT_EQ(small_with([](auto& j) { j["bogus"] = 1; }), "unknown key \"bogus\"");
  EXPECT_EQ(small_with([](auto& j) { j["convs"][1]["kernal"] = 3; }), "convs[1]: unknown key \"kernal\"");
  EXPECT_EQ(small_with([](auto& j) { j["lrn_params"]["n"] = 5; }), "lrn_params: unknown key \"n\"");
  EXPECT_EQ(small_with([](auto& j) { j["convs"][0]["kernel"] = "5"; }), "convs[0].kernel: expected an integer, got \"5\"");
  EXPECT_EQ(small_with([](auto& j) { j["fcs"][1]["hidden"] = 1; }), "fcs[1].hidden: expected true or false, got 1");
  EXPECT_EQ(small_with([](auto& j) { j["activation"] = "gelu"; }),
            "activation: expected \"relu\" or \"tanh\", got \"gelu\"");
  EXPECT_EQ(small_with([](auto& j) { j["convs"][2]["kernel"] = 0; }), "conv3.kernel must be in [1, 255], got 0");
  EXPECT_EQ(small_with([](auto& j) { j["convs"][0]["groups"] = 3; }),
            "conv1.groups: 3 does not divide its 1 input and 32 output channels");
  EXPECT_EQ(small_with([](auto& j) { j["in_size"] = 6; }),
            "test needs a larger input than 6x6 (conv2.pool's window 3 is larger than its input 2x2)");
  EXPECT_EQ(small_with([](auto& j) { j["input_std"] = {0.2, 0.3}; }), "input_std has 2 values, the input has 1 channel");
  EXPECT_EQ(small_with([](auto& j) { j["fcs"][2]["out"] = 7; }),
            "fc8.out: the last layer gives one output per class (10), not 7");
  EXPECT_EQ(small_with([](auto& j) { j["convs"][3]["name"] = "conv1"; }), "convs: the name 'conv1' is used twice");
  EXPECT_EQ(small_with([](auto& j) { j["convs"] = nlohmann::json::array(); }), "convs: at least one convolution is needed");
  EXPECT_EQ(small_with([](auto& j) { j.erase("fcs"); }), "fcs: missing ('test' is not a named architecture)");
  EXPECT_EQ(small_with([](auto& j) { j["convs"][0].erase("kernel"); }), "convs[0].kernel: missing");
  EXPECT_EQ(error_of("{\"name\": \"x\",}"), "not JSON (at byte 14)");
  EXPECT_EQ(error_of("[1, 2]"), "expected an object, got [1,2]");
}

TEST_F(ArchFileErrors, AMissingFileAndFittingToDataNameTheFile) {
  EXPECT_THROW(read_arch_file((dir_ / "none.json").string()), std::invalid_argument);
  // torchvision's three-channel statistics do not fit grey images.
  const std::string path = (dir_ / "tv.json").string();
  std::ofstream(path) << arch_to_json(arch_preset("alexnet-torchvision")).dump();
  try {
    resolve_arch(path, 10, 1);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), (path + ": input_mean has 3 values, the input has 1 channel").c_str());
  }
  const Arch fitted = resolve_arch(path, 10, 3, 64);
  EXPECT_EQ(fitted.classes, 10);
  EXPECT_EQ(fitted.in_size, 64);
  EXPECT_EQ(arch_input_size(path), 224);
}

}  // namespace
}  // namespace alexnet
