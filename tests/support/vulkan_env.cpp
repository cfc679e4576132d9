#include "tests/support/vulkan_env.h"

#include <cstdlib>
#include <memory>
#include <string>

namespace alexnet::testing {

vkrt::Instance& instance() {
  static vkrt::Instance the_instance(vkrt::InstanceOptions{vkrt::Validation::IfAvailable});
  return the_instance;
}

vkrt::Context& context() {
  static std::unique_ptr<vkrt::Context> the_context = [] {
    const char* env = std::getenv("ALEXNET_VK_TEST_DEVICE");
    return std::make_unique<vkrt::Context>(instance(), env ? std::atoi(env) : 0);
  }();
  return *the_context;
}

void VulkanTest::SetUp() {
  context();
  instance().clear_validation_messages();
}

void VulkanTest::TearDown() {
  const auto messages = instance().validation_messages();
  EXPECT_TRUE(messages.empty()) << messages.size() << " validation message(s), first: "
                                << (messages.empty() ? "" : messages.front());
}

}  // namespace alexnet::testing
