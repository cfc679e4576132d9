// The architectures: the paper's layer table and parameter count, and the small variant.
#include <gtest/gtest.h>

#include "model/graph/arch.h"
#include "model/graph/arch_json.h"

namespace alexnet {
namespace {

TEST(Arch, PaperAlexNetHasAbout61MillionParameters) {
  const auto a = make_arch("alexnet", 1000, 3, 224);
  // conv1..5 and fc6..8 of the paper, weights and biases: 60,965,224.
  EXPECT_EQ(a.parameter_count(), 60965224u);
  EXPECT_EQ(a.flat_features(), 256 * 6 * 6);
}

TEST(Arch, PaperLayerTable) {
  const auto a = make_arch("alexnet", 1000, 3, 224);
  ASSERT_EQ(a.convs.size(), 5u);
  EXPECT_EQ(a.convs[0].out, 96);
  EXPECT_EQ(a.convs[0].kernel, 11);
  EXPECT_EQ(a.convs[0].stride, 4);
  EXPECT_EQ(a.convs[1].groups, 2);
  EXPECT_EQ(a.convs[2].groups, 1);
  EXPECT_EQ(a.convs[3].groups, 2);
  EXPECT_EQ(a.convs[4].groups, 2);
  EXPECT_FLOAT_EQ(a.convs[1].bias_init, 0.1f);  // Caffe's 0.1, not the paper's 1: see model/graph/arch.cpp
  EXPECT_FLOAT_EQ(a.convs[2].bias_init, 0.0f);
  EXPECT_EQ(a.lrn.size, 5);
  EXPECT_DOUBLE_EQ(a.lrn.alpha, 1e-4);
  EXPECT_DOUBLE_EQ(a.lrn.k, 2.0);
  EXPECT_DOUBLE_EQ(a.lrn.beta, 0.75);
}

TEST(Arch, PlainPoolingKeepsTheSameSizesOnThePaperNet) {
  ArchOptions o;
  o.pool = PoolKind::Plain;
  EXPECT_EQ(make_arch("alexnet", 1000, 3, 224, o).flat_features(), 256 * 6 * 6);
}

TEST(Arch, SmallVariantFitsFashionMnist) {
  const auto a = make_arch("alexnet-small", 10, 1, 28);
  EXPECT_GT(a.flat_features(), 0);
  EXPECT_EQ(a.convs.size(), 5u);
  EXPECT_EQ(a.fcs.size(), 3u);
  EXPECT_LT(a.parameter_count(), 2'000'000u);
}

TEST(Arch, RejectsBadRequests) {
  EXPECT_THROW(make_arch("resnet", 10, 3, 224), std::invalid_argument);
  EXPECT_THROW(make_arch("alexnet", 1, 3, 224), std::invalid_argument);
  EXPECT_THROW(make_arch("alexnet", 10, 3, 20), std::invalid_argument);
  EXPECT_THROW(make_arch("alexnet", 10, 2, 224), std::invalid_argument);
}

// A name from a corrupt checkpoint header stays on one line in the error (found by fuzz_arch_json).
TEST(Arch, UnknownNameFromAFileIsQuotedOnOneLine) {
  try {
    make_arch(std::string("alex\net\x01") + std::string(100, 'x'), 10, 3, 224);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find("alex\\x0aet\\x01"), std::string::npos) << message;
    EXPECT_LT(message.size(), 160u) << message;
  }
}

TEST(Arch, JsonRoundTrip) {
  ArchOptions o;
  o.activation = Activation::Tanh;
  o.lrn = false;
  o.pool = PoolKind::Plain;
  o.dropout = 0.25f;
  const auto a = make_arch("alexnet-small", 7, 3, 32, o);
  const auto b = arch_from_json(arch_to_json(a));
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.classes, 7);
  EXPECT_EQ(b.in_size, 32);
  EXPECT_EQ(b.options.activation, Activation::Tanh);
  EXPECT_FALSE(b.options.lrn);
  EXPECT_EQ(b.options.pool, PoolKind::Plain);
  EXPECT_FLOAT_EQ(b.options.dropout, 0.25f);
  EXPECT_EQ(b.parameter_count(), a.parameter_count());
}

}  // namespace
}  // namespace alexnet
