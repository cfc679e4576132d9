#include "model/verify/lrn_slice.h"

#include <cstddef>
#include <stdexcept>

#include "runtime/context.h"

namespace alexnet::verify {

std::vector<float> channel_slice(const ref::Nchw& full, std::span<const float> x, int first, int channels) {
  const std::size_t plane = std::size_t(full.h) * full.w;
  std::vector<float> out;
  out.reserve(std::size_t(full.n) * channels * plane);
  for (int n = 0; n < full.n; ++n) {
    const auto begin = x.begin() + static_cast<std::ptrdiff_t>((std::size_t(n) * full.c + first) * plane);
    out.insert(out.end(), begin, begin + static_cast<std::ptrdiff_t>(channels * plane));
  }
  return out;
}

LrnPartition::LrnPartition(vkrt::Context& context, const ref::Nchw& full, const ref::LrnParams& params,
                           std::span<const int> cuts)
    : full_(full), half_(params.size / 2) {
  std::vector<int> edges{0};
  edges.insert(edges.end(), cuts.begin(), cuts.end());
  edges.push_back(full.c);
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
    if (edges[i + 1] <= edges[i]) throw std::invalid_argument("LrnPartition: cuts must ascend inside (0, T)");
    Part p{edges[i], edges[i + 1] - edges[i], nullptr, nullptr, nullptr};
    p.op = std::make_unique<LrnOp>(context, ref::Nchw{full.n, p.channels, full.h, full.w}, params,
                                   LrnSlice{p.first, full.c});
    const VkDeviceSize bytes = p.op->halo_elements() * sizeof(float);
    p.boundary = &buffers_.emplace_back(context.allocator().allocate(bytes, vkrt::Intent::Readback));
    parts_.push_back(std::move(p));
  }
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    Part& p = parts_[i];
    if (parts_.size() == 2) {
      p.halo = parts_[1 - i].boundary;  // the real two-device path: no copy
    } else {
      p.halo = &buffers_.emplace_back(
          context.allocator().allocate(p.op->halo_elements() * sizeof(float), vkrt::Intent::Readback));
    }
  }
}

void LrnPartition::gather(vkrt::Stream& stream) const {
  if (parts_.size() == 2) return;
  const VkDeviceSize block = VkDeviceSize(half_) * full_.h * full_.w * sizeof(float);  // one side, one sample
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    const VkDeviceSize sides = VkDeviceSize(p.op->halo_sides());
    if (i > 0) {  // the part below: its above-facing channels are its last block per sample
      const Part& b = parts_[i - 1];
      const VkDeviceSize b_sides = VkDeviceSize(b.op->halo_sides());
      stream.copy_strided(*b.boundary, *p.halo,
                          {.src_offset = (b_sides - 1) * block, .dst_offset = 0, .block = block,
                           .src_stride = b_sides * block, .dst_stride = sides * block,
                           .count = static_cast<std::uint32_t>(full_.n)});
    }
    if (i + 1 < parts_.size()) {  // the part above: its below-facing channels are its first block
      const Part& a = parts_[i + 1];
      const VkDeviceSize a_sides = VkDeviceSize(a.op->halo_sides());
      stream.copy_strided(*a.boundary, *p.halo,
                          {.src_offset = 0, .dst_offset = (i > 0 ? block : 0), .block = block,
                           .src_stride = a_sides * block, .dst_stride = sides * block,
                           .count = static_cast<std::uint32_t>(full_.n)});
    }
  }
}

}  // namespace alexnet::verify
