// One Vulkan instance and device shared by every GPU test, with the Khronos validation layer on
// when it is installed. Each test fails if the layer reported anything while it ran.
#pragma once

#include <gtest/gtest.h>

#include "runtime/context.h"

namespace alexnet::testing {

vkrt::Instance& instance();
vkrt::Context& context();  // device ALEXNET_VK_TEST_DEVICE, default 0

// Use as the base of GPU test fixtures: checks the validation layer stayed silent.
class VulkanTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
};

}  // namespace alexnet::testing
