// Precision and GEMM-path choice of the GEMM ops (model/ops/precision.h): every fp16 and
// cooperative-matrix variant is built into the tool, fp16 takes the path fp32 would (the texel path
// on a CPU driver), the cooperative-matrix path refuses fp32 and, on a device without cooperative
// matrices, says why.
// The numbers of each variant are checked against the reference by op_checks_test (verify).
#include <gtest/gtest.h>

#include <stdexcept>

#include "model/ops/conv2d.h"
#include "model/ops/fc.h"
#include "model/ops/precision.h"
#include "runtime/error.h"
#include "runtime/shader_registry.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

class PrecisionTest : public testing::VulkanTest {};

TEST(Precision, ParsesItsNames) {
  EXPECT_EQ(parse_precision("fp32"), Precision::Fp32);
  EXPECT_EQ(parse_precision("fp16"), Precision::Fp16);
  EXPECT_FALSE(parse_precision("bf16").has_value());
  EXPECT_STREQ(precision_name(Precision::Fp16), "fp16");
  EXPECT_EQ(activation_bytes(Precision::Fp16), 2u);
}

// The SPIR-V of every variant is compiled at build time (cmake/shaders.cmake), the cooperative-matrix
// ones included, even though no device here can run them.
TEST(Precision, EveryVariantIsBuilt) {
  for (const char* name : {"gemm_fp16", "gemm_fp16_wgrad", "gemm_coopmat", "gemm_coopmat_wgrad", "conv2d_fwd_fp16",
                           "conv2d_bwd_data_fp16", "conv2d_bwd_weight_fp16", "conv2d_fwd_coopmat",
                           "conv2d_bwd_data_coopmat", "conv2d_bwd_weight_coopmat", "bias_grad_fp16"})
    EXPECT_FALSE(vkrt::find_shader(name).empty()) << name;
  EXPECT_EQ(gemm_variant("gemm", Precision::Fp16, false, "_wgrad"), "gemm_fp16_wgrad");
  EXPECT_EQ(gemm_variant("conv2d_fwd", Precision::Fp16, true), "conv2d_fwd_coopmat");
  EXPECT_EQ(gemm_variant("gemm", Precision::Fp32, false), "gemm");
}

TEST_F(PrecisionTest, Fp16TakesThePathFp32Takes) {
  if (!testing::context().storage_16bit()) GTEST_SKIP() << "no 16-bit storage on this device";
  vkrt::Context& context = testing::context();
  const ref::FcShape fc{2, 8, 4};
  const ref::FcShape fc_odd_in{2, 7, 4};  // the texel path needs In % 4 == 0
  const ref::Conv2dShape conv{1, 3, 7, 5, 5, 3, 3, 1, 1, 1, 1};
  for (Precision precision : {Precision::Fp32, Precision::Fp16}) {
    SCOPED_TRACE(precision_name(precision));
    EXPECT_EQ(FcOp(context, fc, GemmPath::Auto, precision).path(), resolve_gemm_path(context, GemmPath::Auto));
    EXPECT_EQ(FcOp(context, fc, GemmPath::Texel, precision).path(), GemmPath::Texel);
    EXPECT_EQ(FcOp(context, fc_odd_in, GemmPath::Auto, precision).path(), GemmPath::Tiled);
    EXPECT_THROW(FcOp(context, fc_odd_in, GemmPath::Texel, precision), std::invalid_argument);
    EXPECT_EQ(Conv2dOp(context, conv, GemmPath::Auto, precision).path(), resolve_gemm_path(context, GemmPath::Auto));
    EXPECT_EQ(Conv2dOp(context, conv, GemmPath::Texel, precision).path(), GemmPath::Texel);
  }
}

TEST_F(PrecisionTest, CoopMatNeedsFp16AndTheDevice) {
  const ref::FcShape fc{2, 8, 4};
  EXPECT_THROW(FcOp(testing::context(), fc, GemmPath::CoopMat, Precision::Fp32), std::invalid_argument);
  if (testing::context().coopmat().usable) GTEST_SKIP() << "this device has cooperative matrices";
  EXPECT_FALSE(testing::context().coopmat().reason.empty());
  try {
    FcOp op(testing::context(), fc, GemmPath::CoopMat, Precision::Fp16);
    FAIL() << "built a cooperative-matrix FcOp on a device without them";
  } catch (const vkrt::Error& e) {
    EXPECT_NE(std::string(e.what()).find(testing::context().coopmat().reason), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace alexnet
