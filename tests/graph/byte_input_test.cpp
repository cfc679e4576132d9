// A batch staged as bytes, normalised on the device, trains exactly as the same batch normalised
// on the host and staged as floats: same losses bit for bit, on one device and on two; and the
// double-buffered staging keeps each step's batch its own when the next is staged mid-step.
#include <gtest/gtest.h>

#include <random>

#include "model/model.h"
#include "model/reference/normalize_input.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

class ByteInput : public testing::VulkanTest {};

struct Batches {
  std::vector<std::vector<std::uint8_t>> pixels;
  std::vector<std::vector<float>> floats;
  std::vector<std::int32_t> labels;
  std::vector<float> mean{117.25f}, scale{1.0f / 64};
};

Batches make_batches(const Model& model, int count) {
  std::mt19937 rng(11);
  Batches b;
  const std::size_t plane = std::size_t(model.arch().in_size) * model.arch().in_size;
  for (int i = 0; i < count; ++i) {
    std::vector<std::uint8_t> p(std::size_t(model.batch()) * model.input_count());
    for (auto& v : p) v = static_cast<std::uint8_t>(rng() & 0xff);
    b.floats.push_back(ref::normalize_input(p, plane, b.mean, b.scale));
    b.pixels.push_back(std::move(p));
  }
  b.labels.resize(model.batch());
  for (auto& l : b.labels) l = static_cast<std::int32_t>(rng() % model.arch().classes);
  return b;
}

// Trains on each batch in turn; with `bytes`, the next batch is staged while the step runs, as
// the trainer does. Returns every step's losses.
std::vector<std::vector<float>> train(Model& model, const Batches& b, bool bytes) {
  std::vector<std::vector<float>> losses;
  auto stage = [&](std::size_t i) {
    if (bytes) model.stage({{}, b.labels, b.pixels[i], b.mean, b.scale});
    else model.stage({b.floats[i], b.labels});
  };
  stage(0);
  for (std::size_t i = 0; i < b.pixels.size(); ++i) {
    model.submit_gradients(net::StepKey{3, static_cast<std::uint32_t>(i), true});
    if (i + 1 < b.pixels.size()) stage(i + 1);
    model.wait();
    losses.emplace_back(model.loss().begin(), model.loss().end());
    model.update(0.01f);
  }
  return losses;
}

TEST_F(ByteInput, BytesNormalisedOnTheDeviceTrainAsHostFloatsDo) {
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  auto floats = open_model({&testing::context()}, arch, ModelOptions{8, 4, true, SgdConfig{}});
  auto bytes = open_model({&testing::context()}, arch, ModelOptions{8, 4, true, SgdConfig{}});
  floats->initialize(5);
  bytes->initialize(5);
  const Batches b = make_batches(*floats, 4);
  const auto expected = train(*floats, b, false);
  const auto got = train(*bytes, b, true);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "step " << i;
  // Each step saw its own batch: different batches give different losses.
  EXPECT_NE(got[1], got[0]);
}

TEST_F(ByteInput, TwoDevicesTakeBytesToo) {
  vkrt::Context first(testing::instance(), testing::context().info().index),
      second(testing::instance(), testing::context().info().index);
  const Arch arch = make_arch("alexnet-small", 10, 1, 28);
  auto floats = open_model({&first, &second}, arch, ModelOptions{4, 4, true, SgdConfig{}});
  auto bytes = open_model({&first, &second}, arch, ModelOptions{4, 4, true, SgdConfig{}});
  floats->initialize(5);
  bytes->initialize(5);
  const Batches b = make_batches(*floats, 2);
  EXPECT_EQ(train(*bytes, b, true), train(*floats, b, false));
}

TEST_F(ByteInput, ATransformForOtherChannelsIsRefused) {
  auto model = open_model({&testing::context()}, make_arch("alexnet-small", 10, 1, 28), ModelOptions{4, 4, true, SgdConfig{}});
  Batches b = make_batches(*model, 1);
  b.mean = {1, 2, 3};
  b.scale = {1, 1, 1};
  EXPECT_THROW(model->stage({{}, b.labels, b.pixels[0], b.mean, b.scale}), std::invalid_argument);
}

}  // namespace
}  // namespace alexnet
