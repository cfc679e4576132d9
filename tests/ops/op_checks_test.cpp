// Every op check of `alexnet_vk verify`, one test each, on the test device: GPU versus the CPU
// reference at the real AlexNet layer shapes (batch 2) and at awkward small shapes.
#include <gtest/gtest.h>

#include <cctype>

#include "model/verify/check.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

class OpCheck : public testing::VulkanTest, public ::testing::WithParamInterface<verify::Check> {};

TEST_P(OpCheck, MatchesReference) {
  const auto result = verify::run_check(GetParam(), testing::context());
  if (result.skipped) GTEST_SKIP() << result.skip_reason;
  EXPECT_TRUE(result.error.empty()) << result.error;
  EXPECT_TRUE(result.pass) << result.op << " [" << result.shape << "] worst element " << result.worst_index
                           << ": gpu " << result.worst_gpu << " vs ref " << result.worst_ref
                           << " (max abs err " << result.max_abs_err << ")";
}

std::string test_name(const ::testing::TestParamInfo<verify::Check>& info) {
  std::string name = std::to_string(info.index) + "_" + info.param.op + "_" + info.param.shape;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(All, OpCheck, ::testing::ValuesIn(verify::all_checks()), test_name);

}  // namespace
}  // namespace alexnet
