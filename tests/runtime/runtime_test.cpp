// The Vulkan runtime on its own: allocation, transfers, the dispatch contract, replay, timestamps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "runtime/error.h"
#include "runtime/kernel.h"
#include "runtime/shader_registry.h"
#include "runtime/spirv_reflect.h"
#include "runtime/stream.h"
#include "runtime/transfer.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

using testing::context;

class Runtime : public testing::VulkanTest {};

struct CountPush {
  std::uint32_t count;
};

vkrt::Kernel relu_kernel() { return vkrt::Kernel(context(), {"relu_fwd", {64, 1, 1}, {}}); }

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const vkrt::Error& e) {
    return e.what();
  }
  return "";
}

TEST_F(Runtime, AllocationsAreAlignedDisjointAndReused) {
  auto& allocator = context().allocator();
  const auto before = allocator.stats().bytes_in_use;
  {
    auto a = allocator.allocate(100, vkrt::Intent::DeviceLocal);
    auto b = allocator.allocate(1000, vkrt::Intent::DeviceLocal);
    EXPECT_EQ(a.offset() % allocator.alignment(), 0u);
    EXPECT_EQ(b.offset() % allocator.alignment(), 0u);
    if (a.handle() == b.handle()) {
      EXPECT_TRUE(a.offset() + a.size() <= b.offset() || b.offset() + b.size() <= a.offset());
    }
    EXPECT_GE(allocator.stats().bytes_in_use, before + 1100);
  }
  EXPECT_EQ(allocator.stats().bytes_in_use, before);
  // Freed ranges coalesce: the same request lands at the same place again.
  VkDeviceSize first_offset;
  { first_offset = allocator.allocate(4096, vkrt::Intent::DeviceLocal).offset(); }
  EXPECT_EQ(allocator.allocate(4096, vkrt::Intent::DeviceLocal).offset(), first_offset);
}

TEST_F(Runtime, LargeAllocationGetsItsOwnBlock) {
  auto& allocator = context().allocator();
  auto big = allocator.allocate(VkDeviceSize(100) << 20, vkrt::Intent::DeviceLocal);
  EXPECT_GE(big.size(), VkDeviceSize(100) << 20);
  EXPECT_GE(allocator.stats().bytes_reserved, VkDeviceSize(100) << 20);
}

TEST_F(Runtime, MovedBufferKeepsItsRange) {
  auto a = context().allocator().allocate(256, vkrt::Intent::Upload);
  const auto offset = a.offset();
  vkrt::Buffer b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_TRUE(b);
  EXPECT_EQ(b.offset(), offset);
  EXPECT_NE(b.mapped(), nullptr);
}

TEST_F(Runtime, RoundTripThroughEveryIntent) {
  std::vector<float> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f - 7.0f;
  for (auto intent : {vkrt::Intent::DeviceLocal, vkrt::Intent::Upload, vkrt::Intent::Readback}) {
    auto buffer = vkrt::upload<float>(context(), values, intent);
    EXPECT_EQ(vkrt::read<float>(context(), buffer, values.size()), values) << vkrt::intent_name(intent);
    // Partial write at an offset.
    std::vector<float> patch{1.0f, 2.0f};
    vkrt::write<float>(context(), buffer, patch, 10);
    auto back = vkrt::read<float>(context(), buffer, 2, 10);
    EXPECT_EQ(back, patch);
  }
}

TEST_F(Runtime, ReflectionReadsBindingsAndPushConstants) {
  const auto words = vkrt::find_shader("relu_bwd");
  ASSERT_FALSE(words.empty());
  const auto interface = vkrt::reflect_compute_shader(words, "relu_bwd");
  EXPECT_EQ(interface.bindings.size(), 3u);
  EXPECT_EQ(interface.push_constant_bytes, 4u);
  EXPECT_TRUE(vkrt::find_shader("no_such_shader").empty());
  const std::vector<std::uint32_t> garbage{1, 2, 3, 4, 5, 6};
  EXPECT_THROW(vkrt::reflect_compute_shader(garbage, "garbage"), vkrt::Error);
}

TEST_F(Runtime, UnknownShaderIsAClearError) {
  const auto message = error_of([] { vkrt::Kernel(context(), {"no_such_shader", {64, 1, 1}, {}}); });
  EXPECT_NE(message.find("no_such_shader"), std::string::npos) << message;
}

TEST_F(Runtime, OversizedWorkgroupIsAClearError) {
  const auto message = error_of([] { vkrt::Kernel(context(), {"relu_fwd", {100000, 1, 1}, {}}); });
  EXPECT_NE(message.find("workgroup size"), std::string::npos) << message;
}

TEST_F(Runtime, DispatchContractViolationsThrowBeforeReachingTheDriver) {
  auto kernel = relu_kernel();
  auto x = context().allocator().allocate(64 * 4, vkrt::Intent::DeviceLocal);
  auto y = context().allocator().allocate(64 * 4, vkrt::Intent::DeviceLocal);
  vkrt::Stream stream(context());
  stream.begin();
  auto wrong_bindings = error_of([&] { stream.dispatch(kernel, {x}, CountPush{64}, {1, 1, 1}); });
  EXPECT_NE(wrong_bindings.find("1 buffers given, the kernel binds 2"), std::string::npos) << wrong_bindings;
  struct TooBig {
    std::uint32_t a, b;
  };
  auto wrong_push = error_of([&] { stream.dispatch(kernel, {x, y}, TooBig{1, 2}, {1, 1, 1}); });
  EXPECT_NE(wrong_push.find("push constants of 8 bytes"), std::string::npos) << wrong_push;
  auto no_push = error_of([&] { stream.dispatch(kernel, {x, y}, vkrt::NoPush{}, {1, 1, 1}); });
  EXPECT_NE(no_push.find("push constants of 0 bytes"), std::string::npos) << no_push;
  auto zero_groups = error_of([&] { stream.dispatch(kernel, {x, y}, CountPush{64}, {0, 1, 1}); });
  EXPECT_NE(zero_groups.find("workgroup count 0"), std::string::npos) << zero_groups;
  const auto limit = context().limits().maxComputeWorkGroupCount[1];
  auto too_many = error_of([&] { stream.dispatch(kernel, {x, y}, CountPush{64}, {1, limit + 1, 1}); });
  EXPECT_NE(too_many.find("axis 1"), std::string::npos) << too_many;
  EXPECT_EQ(stream.dispatch_count(), 0u);
  stream.end();
}

TEST_F(Runtime, DispatchOutsideRecordingThrows) {
  auto kernel = relu_kernel();
  auto x = context().allocator().allocate(64 * 4, vkrt::Intent::DeviceLocal);
  vkrt::Stream stream(context());
  EXPECT_THROW(stream.dispatch(kernel, {x, x}, CountPush{64}, {1, 1, 1}), vkrt::Error);
}

TEST_F(Runtime, RecordOnceReplayManyTimes) {
  // The recording stays valid; each submission sees the buffers' current contents.
  auto kernel = relu_kernel();
  const std::uint32_t count = 300;
  auto x = context().allocator().allocate(count * 4, vkrt::Intent::Upload);
  auto y = context().allocator().allocate(count * 4, vkrt::Intent::Readback);
  vkrt::Stream stream(context());
  stream.begin();
  stream.dispatch(kernel, {x, y}, CountPush{count}, vkrt::linear_groups(count, 64));
  stream.end();
  for (int round = 0; round < 3; ++round) {
    auto in = x.host_span<float>();
    for (std::uint32_t i = 0; i < count; ++i) in[i] = static_cast<float>(i % 7) - 3.0f + static_cast<float>(round);
    stream.submit_and_wait();
    auto out = y.host_span<float>();
    for (std::uint32_t i = 0; i < count; ++i) ASSERT_EQ(out[i], std::max(in[i], 0.0f)) << "round " << round;
  }
  EXPECT_EQ(stream.submit_count(), 3u);
}

TEST_F(Runtime, LinearGroupsSpillIntoY) {
  const auto g = vkrt::linear_groups(std::uint64_t(200000) * 64, 64);
  EXPECT_LE(g.x, 65535u);
  EXPECT_GE(std::uint64_t(g.x) * g.y, 200000u);
  const auto small = vkrt::linear_groups(10, 64);
  EXPECT_EQ(small.x, 1u);
  EXPECT_EQ(small.y, 1u);
}

TEST_F(Runtime, LargeElementwiseDispatchCoversEveryElement) {
  // 5M elements at 64 per group is 78k groups: more than fit on the x axis alone.
  const std::uint32_t count = 5'000'000;
  std::vector<float> input(count, -1.0f);
  input.back() = 2.0f;
  input[count / 2] = 3.0f;
  auto x = vkrt::upload<float>(context(), input);
  auto y = vkrt::upload<float>(context(), std::vector<float>(count, 42.0f));
  auto kernel = relu_kernel();
  vkrt::Stream stream(context());
  stream.begin();
  stream.dispatch(kernel, {x, y}, CountPush{count}, vkrt::linear_groups(count, 64));
  stream.end();
  stream.submit_and_wait();
  auto out = vkrt::read<float>(context(), y, count);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[count / 2], 3.0f);
  EXPECT_EQ(out.back(), 2.0f);
  EXPECT_EQ(std::count(out.begin(), out.end(), 0.0f), count - 2);
}

TEST_F(Runtime, TimestampsMeasureForwardTime) {
  if (!context().timestamps_supported()) GTEST_SKIP() << "device has no timestamps";
  auto kernel = relu_kernel();
  const std::uint32_t count = 1 << 20;
  auto x = context().allocator().allocate(count * 4, vkrt::Intent::DeviceLocal);
  auto y = context().allocator().allocate(count * 4, vkrt::Intent::DeviceLocal);
  vkrt::Stream stream(context());
  stream.begin();
  stream.fill(x, 0);
  stream.barrier();
  const int t0 = stream.timestamp();
  stream.dispatch(kernel, {x, y}, CountPush{count}, vkrt::linear_groups(count, 64));
  const int t1 = stream.timestamp();
  stream.end();
  stream.submit_and_wait();
  EXPECT_GE(stream.elapsed_ms(t0, t1), 0.0);
  EXPECT_LT(stream.elapsed_ms(t0, t1), 10'000.0);
}

TEST_F(Runtime, OutOfRangeDeviceIndexNamesTheCount) {
  const int count = static_cast<int>(testing::instance().physical_devices().size());
  const auto message = error_of([&] { vkrt::Context(testing::instance(), count + 3); });
  EXPECT_NE(message.find("out of range"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(count + 3)), std::string::npos) << message;
}

TEST_F(Runtime, ValidationLayerIsOnWhenInstalled) {
  // The suite's promise ("zero validation messages") means nothing if the layer silently is off.
  const bool installed = std::getenv("ALEXNET_VK_EXPECT_VALIDATION") != nullptr;
  if (!installed) GTEST_SKIP() << "set ALEXNET_VK_EXPECT_VALIDATION=1 to require the layer";
  EXPECT_TRUE(testing::instance().validation_enabled());
}

TEST_F(Runtime, DescribesTheDevice) {
  const auto& info = context().info();
  EXPECT_FALSE(info.name.empty());
  EXPECT_FALSE(info.api_version.empty());
  EXPECT_GT(info.subgroup_size, 0u);
  EXPECT_EQ(vkrt::result_name(VK_ERROR_DEVICE_LOST), std::string("VK_ERROR_DEVICE_LOST"));
  EXPECT_THROW(vkrt::throw_if_failed(VK_ERROR_DEVICE_LOST, "vkQueueSubmit(q)"), vkrt::DeviceLostError);
  EXPECT_THROW(vkrt::throw_if_failed(VK_ERROR_OUT_OF_DEVICE_MEMORY, "vkAllocateMemory"), vkrt::OutOfMemoryError);
}

}  // namespace
}  // namespace alexnet
