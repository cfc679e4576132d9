// DropoutOp with rows (DropoutRows): an fc layer's (batch, F) outputs split across two devices,
// each holding columns [d*F/2, (d+1)*F/2) of every row, must drop together exactly what one device
// does with the whole tensor. The per-element comparison with the reference at global indices is
// in model/verify/dropout_checks.cpp (run here by op_checks_test); this checks the halves against
// the one-device GPU call itself, and the argument validation.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "model/ops/dropout.h"
#include "model/reference/dropout.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"
#include "runtime/memory.h"
#include "runtime/stream.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

class DropoutRowsTest : public testing::VulkanTest {};

// Runs forward or backward over `x` (count elements) and returns the result.
std::vector<float> run(const DropoutOp& op, bool backward, const std::vector<float>& x, std::uint64_t element_offset,
                       DropoutRows rows, std::uint32_t seed, std::uint32_t step) {
  verify::GpuScratch gpu(testing::context());
  const auto& in = gpu.input(x);
  const auto& out = gpu.output(x.size());
  const DropoutKeyBuffer key(testing::context(), seed, step);
  gpu.run([&](vkrt::Stream& s) {
    if (backward)
      op.backward(s, in, out, x.size(), 0.5f, key.key(), element_offset, rows);
    else
      op.forward(s, in, out, x.size(), 0.5f, key.key(), element_offset, rows);
  });
  return gpu.read(out);
}

// F = 4096 takes the aligned rows pipeline, F = 10 (halves of 5) and F = 4100 (halves of 2050)
// the per-element one. The micro-batch offset (samples
// before this call) is part of the global index, as DropoutLayer passes it.
TEST_F(DropoutRowsTest, TwoHalvesReproduceTheOneDeviceMask) {
  const DropoutOp op(testing::context());
  const std::uint64_t batch = 3;
  for (const std::uint64_t features : {4096u, 10u, 4100u})
    for (const std::uint64_t first_sample : {0u, 2u})
      for (const bool backward : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "F " << features << " first sample " << first_sample
                                        << (backward ? " backward" : " forward"));
        const std::uint64_t half = features / 2, offset = first_sample * features;
        const auto whole_in = verify::random_away_from_zero(batch * features, 77);
        const auto whole_out = run(op, backward, whole_in, offset, {}, 1234, 5);

        std::vector<float> halves_out(whole_out.size());
        for (std::uint64_t d = 0; d < 2; ++d) {
          std::vector<float> part_in(batch * half);
          for (std::uint64_t i = 0; i < part_in.size(); ++i)
            part_in[i] = whole_in[i / half * features + d * half + i % half];
          const auto part_out = run(op, backward, part_in, offset, {half, features, d * half}, 1234, 5);
          for (std::uint64_t i = 0; i < part_out.size(); ++i)
            halves_out[i / half * features + d * half + i % half] = part_out[i];
        }
        // Bitwise: the same draws and the same float multiply.
        ASSERT_EQ(0, std::memcmp(halves_out.data(), whole_out.data(), whole_out.size() * sizeof(float)));
        std::size_t dropped = 0;
        for (float v : whole_out) dropped += v == 0.0f;
        EXPECT_GT(dropped, 0u);  // p = 0.5: the mask does something
      }
}

// The last representable global index, 2^32 - 1, is reachable through rows; one past it throws.
TEST_F(DropoutRowsTest, ReachesTheLastGlobalIndex) {
  const DropoutOp op(testing::context());
  const std::uint64_t offset = (std::uint64_t(1) << 32) - 16;  // rows {2, 8, 6}: last index 2^32 - 1
  const std::vector<float> x{1.0f, 2.0f, 3.0f, 4.0f};
  const auto y = run(op, false, x, offset, {2, 8, 6}, 9, 10);
  const std::uint64_t g[4] = {offset + 6, offset + 7, offset + 14, offset + 15};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], ref::dropout_keep(g[i], 0.5f, 9, 10) ? x[i] * 2.0f : 0.0f) << i;
}

TEST_F(DropoutRowsTest, RejectsInconsistentRowsAndIndicesPast32Bits) {
  const DropoutOp op(testing::context());
  auto buffer = testing::context().allocator().allocate(64 * sizeof(float), vkrt::Intent::DeviceLocal);
  vkrt::Stream stream(testing::context());  // never begun: every call below throws before recording
  const DropoutKeyBuffer key(testing::context(), 1, 2);
  const std::uint64_t limit = std::uint64_t(1) << 32;
  for (const bool backward : {false, true}) {
    SCOPED_TRACE(backward ? "backward" : "forward");
    auto call = [&](std::uint64_t count, std::uint64_t element_offset, DropoutRows rows) {
      if (backward)
        op.backward(stream, buffer, buffer, count, 0.5f, key.key(), element_offset, rows);
      else
        op.forward(stream, buffer, buffer, count, 0.5f, key.key(), element_offset, rows);
    };
    EXPECT_THROW(call(8, 0, {4, 6, 3}), std::invalid_argument);      // row_offset + row_length > row_stride
    EXPECT_THROW(call(8, 0, {4, 3, 0}), std::invalid_argument);      // row_length > row_stride
    EXPECT_THROW(call(8, 0, {0, 8, 0}), std::invalid_argument);      // a stride without a row_length
    EXPECT_THROW(call(8, 0, {0, 0, 4}), std::invalid_argument);      // an offset without a row_length
    EXPECT_THROW(call(5, limit - 16, {2, 8, 6}), std::invalid_argument);  // 5th element: index 2^32 + 6
    EXPECT_THROW(call(4, limit - 15, {2, 8, 6}), std::invalid_argument);  // 4th element: exactly 2^32
    EXPECT_THROW(call(4, limit, {2, 8, 0}), std::invalid_argument);       // the offset alone is too big
    EXPECT_THROW(call(1, 0, {2, limit, 0}), std::invalid_argument);       // a stride past 32 bits
    EXPECT_THROW(call(64, 0, {1, limit / 32, 0}), std::invalid_argument); // 63 rows x 2^27
  }
}

}  // namespace
}  // namespace alexnet
