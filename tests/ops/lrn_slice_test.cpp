// LRN over a channel slice with halos (LrnSlice): a tensor's channels split over two or three
// ops, as over devices, with each op's halo built on the GPU from its neighbours'
// boundary_channels / boundary_ratio outputs, must give the unsliced op's results bit for bit
// (same fp32 terms, summed in the same order), and the op must refuse bad slices and missing,
// stray or short halos. The checks against the CPU reference are verify checks
// (model/verify/lrn_checks.cpp, run by OpCheck).
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/ops/lrn.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"
#include "model/verify/lrn_slice.h"
#include "tests/support/vulkan_env.h"

namespace alexnet {
namespace {

using testing::context;

class LrnSliceOp : public testing::VulkanTest {};

// "" when a and b hold the same bits, else the first differing element.
std::string bit_difference(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return "sizes " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint32_t>(a[i]) != std::bit_cast<std::uint32_t>(b[i]))
      return "element " + std::to_string(i) + ": " + std::to_string(a[i]) + " vs " + std::to_string(b[i]);
  return "";
}

struct Split {
  ref::Nchw full;
  ref::LrnParams params;
  std::vector<int> cuts;  // the ops hold channels [0, cuts[0]), [cuts[0], cuts[1]), ... [cuts.back(), T)
};

// Runs the unsliced op on the full tensor, then the slices with halos exchanged through their
// boundary outputs (verify::LrnPartition), and compares y, scale and dx bit for bit.
void expect_split_matches_unsliced(const Split& split) {
  const ref::Nchw& full = split.full;
  const int half = split.params.size / 2;
  const auto x = verify::random_uniform(full.count(), 7, -3.0f, 3.0f);
  const auto dy = verify::random_uniform(full.count(), 8);

  verify::GpuScratch gpu(context());
  LrnOp whole(context(), full, split.params);
  EXPECT_FALSE(whole.sliced());
  EXPECT_EQ(whole.halo_channels(), 0);
  EXPECT_EQ(whole.halo_sides(), 0);
  const auto& x_gpu = gpu.input(x);
  const auto& dy_gpu = gpu.input(dy);
  const auto& y_gpu = gpu.output(full.count());
  const auto& scale_gpu = gpu.output(full.count());
  const auto& dx_gpu = gpu.output(full.count());
  gpu.run([&](vkrt::Stream& s) {
    whole.forward(s, x_gpu, y_gpu, scale_gpu);
    s.barrier();
    whole.backward(s, x_gpu, y_gpu, scale_gpu, dy_gpu, dx_gpu);
  });
  const auto y = gpu.read(y_gpu), scale = gpu.read(scale_gpu), dx = gpu.read(dx_gpu);

  verify::LrnPartition parts(context(), full, split.params, split.cuts);
  struct Io {
    const vkrt::Buffer *x, *y, *scale, *y_in, *scale_in, *dy, *dx;
  };
  std::vector<Io> io;
  for (std::size_t i = 0; i < parts.parts().size(); ++i) {
    const auto& p = parts.parts()[i];
    auto slice = [&](const std::vector<float>& v) { return verify::channel_slice(full, v, p.first, p.channels); };
    EXPECT_TRUE(p.op->sliced());
    EXPECT_EQ(p.op->halo_channels(), half);
    EXPECT_EQ(p.op->halo_sides(), int(i > 0) + int(i + 1 < parts.parts().size()));
    const std::size_t count = p.op->shape().count();
    // Backward reads the full op's forward outputs, so that it alone is compared.
    io.push_back({&gpu.input(slice(x)), &gpu.output(count), &gpu.output(count), &gpu.input(slice(y)),
                  &gpu.input(slice(scale)), &gpu.input(slice(dy)), &gpu.output(count)});
  }
  auto index = [&](const verify::LrnPartition::Part& p) { return std::size_t(&p - parts.parts().data()); };
  gpu.run([&](vkrt::Stream& s) {
    parts.exchange(s, [&](vkrt::Stream& st, verify::LrnPartition::Part& p) {
      p.op->boundary_channels(st, *io[index(p)].x, *p.boundary);
    });
    for (auto& p : parts.parts()) {
      const vkrt::BufferRange halo(*p.halo);
      const Io& b = io[index(p)];
      p.op->forward(s, *b.x, *b.y, *b.scale, &halo);
    }
    s.barrier();  // the exchange below reuses the boundary and halo buffers
    parts.exchange(s, [&](vkrt::Stream& st, verify::LrnPartition::Part& p) {
      const Io& b = io[index(p)];
      p.op->boundary_ratio(st, *b.dy, *b.y_in, *b.scale_in, *p.boundary);
    });
    for (auto& p : parts.parts()) {
      const vkrt::BufferRange halo(*p.halo);
      const Io& b = io[index(p)];
      p.op->backward(s, *b.x, *b.y_in, *b.scale_in, *b.dy, *b.dx, &halo);
    }
  });
  for (auto& p : parts.parts()) {
    SCOPED_TRACE("channels [" + std::to_string(p.first) + ", " + std::to_string(p.first + p.channels) + ") of " +
                 std::to_string(full.c));
    auto slice = [&](const std::vector<float>& v) { return verify::channel_slice(full, v, p.first, p.channels); };
    const Io& b = io[index(p)];
    EXPECT_EQ(bit_difference(gpu.read(*b.y), slice(y)), "") << "y";
    EXPECT_EQ(bit_difference(gpu.read(*b.scale), slice(scale)), "") << "scale";
    EXPECT_EQ(bit_difference(gpu.read(*b.dx), slice(dx)), "") << "dx";
  }
}

TEST_F(LrnSliceOp, HalvesMatchUnslicedOpBitForBit) {
  const ref::LrnParams strong{5, 1.0, 0.1, 0.75};
  expect_split_matches_unsliced({{2, 12, 3, 3}, strong, {6}});  // quads straddle channels
  expect_split_matches_unsliced({{3, 13, 3, 1}, strong, {5}});  // uneven halves, partial quads
  expect_split_matches_unsliced({{2, 10, 2, 2}, {3, 1.0, 0.1, 0.6}, {4}});  // one texel per plane
  expect_split_matches_unsliced({{2, 9, 3, 1}, {9, 1.0, 0.05, 0.75}, {4}});  // C = half the window
  expect_split_matches_unsliced({{1, 7, 1, 1}, {3, 1.0, 0.1, 0.75}, {3}});  // under a quad: tail only
  expect_split_matches_unsliced({{2, 96, 5, 5}, {}, {48}});  // the paper's conv1 split
}

TEST_F(LrnSliceOp, ThirdsMatchUnslicedOpBitForBit) {
  const ref::LrnParams strong{5, 1.0, 0.1, 0.75};
  expect_split_matches_unsliced({{3, 13, 3, 1}, strong, {4, 9}});  // the middle has both halos
  expect_split_matches_unsliced({{2, 10, 3, 1}, {7, 1.0, 0.1, 0.75}, {4, 7}});  // middle C = half the window
  expect_split_matches_unsliced({{2, 14, 2, 3}, {7, 1.0, 0.1, 0.75}, {5, 9}});  // planes of 6: shifted texels
  expect_split_matches_unsliced({{2, 256, 3, 3}, {}, {85, 171}});  // conv2's channels in three
}

TEST_F(LrnSliceOp, RejectsSlicesThatDoNotFit) {
  const ref::Nchw shape{2, 6, 3, 3};
  const ref::LrnParams params{};  // size 5: half 2
  EXPECT_THROW(LrnOp(context(), shape, params, {-1, 12}), std::invalid_argument);
  EXPECT_THROW(LrnOp(context(), shape, params, {7, 12}), std::invalid_argument);
  EXPECT_THROW(LrnOp(context(), shape, params, {0, 5}), std::invalid_argument);  // total < C
  EXPECT_THROW(LrnOp(context(), {2, 1, 3, 3}, params, {0, 12}), std::invalid_argument);  // C < half
  EXPECT_NO_THROW(LrnOp(context(), {2, 2, 3, 3}, params, {10, 12}));  // C = half, at the end
  // total == C (or 0) is no slice.
  const LrnOp whole(context(), shape, params, {0, 6});
  EXPECT_FALSE(whole.sliced());
  EXPECT_EQ(whole.halo_channels(), 0);
}

TEST_F(LrnSliceOp, HaloIsRequiredExactlyWhenSliced) {
  const ref::Nchw shape{2, 6, 3, 3};
  const std::size_t halo_count = 2 * 1 * 2 * 3 * 3;  // N * sides * half * H * W
  verify::GpuScratch gpu(context());
  const vkrt::BufferRange t = gpu.output(shape.count());
  const vkrt::BufferRange halo = gpu.output(halo_count);
  const vkrt::BufferRange short_halo = gpu.output(halo_count - 1);
  const LrnOp part(context(), shape, {}, {6, 12});
  const LrnOp whole(context(), shape, {});
  EXPECT_EQ(part.halo_sides(), 1);
  EXPECT_EQ(part.halo_elements(), halo_count);
  EXPECT_EQ(LrnOp(context(), shape, {}, {3, 12}).halo_sides(), 2);
  vkrt::Stream stream(context());
  stream.begin();
  EXPECT_THROW(part.forward(stream, t, t, t), std::invalid_argument);
  EXPECT_THROW(part.forward(stream, t, t, t, &short_halo), std::invalid_argument);
  EXPECT_THROW(part.backward(stream, t, t, t, t, t), std::invalid_argument);
  EXPECT_THROW(part.backward(stream, t, t, t, t, t, &short_halo), std::invalid_argument);
  EXPECT_THROW(part.boundary_ratio(stream, t, t, t, short_halo), std::invalid_argument);
  EXPECT_THROW(part.boundary_channels(stream, t, short_halo), std::invalid_argument);
  EXPECT_THROW(whole.forward(stream, t, t, t, &halo), std::invalid_argument);
  EXPECT_THROW(whole.backward(stream, t, t, t, t, t, &halo), std::invalid_argument);
  EXPECT_THROW(whole.boundary_ratio(stream, t, t, t, halo), std::invalid_argument);
  EXPECT_THROW(whole.boundary_channels(stream, t, halo), std::invalid_argument);
  EXPECT_EQ(stream.dispatch_count(), 0u);
  stream.end();
}

}  // namespace
}  // namespace alexnet
