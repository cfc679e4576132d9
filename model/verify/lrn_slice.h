// Channel-sliced LRN ops (LrnSlice in model/ops/lrn.h) for checks: the host-side slice of a
// full (N, T, H, W) tensor, and a partition of T channels into consecutive sliced ops whose halos
// are built on the GPU from the neighbours' boundary_channels / boundary_ratio outputs, as
// devices would exchange them.
#pragma once

#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "model/ops/lrn.h"
#include "model/reference/lrn.h"
#include "runtime/memory.h"

namespace alexnet::verify {

// Channels [first, first + channels) of x: (N, channels, H, W).
std::vector<float> channel_slice(const ref::Nchw& full, std::span<const float> x, int first, int channels);

// A full (N, T, H, W) tensor's channels split at `cuts` (ascending, inside (0, T)) into sliced
// LrnOps, each with a host-visible boundary buffer (as an exchange staging buffer would be) and a
// halo: with two parts each part's halo IS the other's boundary buffer; a part with two
// neighbours gets a halo of its own, gathered from theirs by strided copies.
class LrnPartition {
 public:
  LrnPartition(vkrt::Context& context, const ref::Nchw& full, const ref::LrnParams& params, std::span<const int> cuts);

  struct Part {
    int first, channels;
    std::unique_ptr<LrnOp> op;
    const vkrt::Buffer* boundary;  // (N, sides * half, H, W): what the neighbours read
    const vkrt::Buffer* halo;      // (N, sides * half, H, W): what this part reads
  };
  std::vector<Part>& parts() { return parts_; }

  // Records: every part's boundary output from fill(part) (which records boundary_channels or
  // boundary_ratio into part.boundary), a barrier, the halo gathers where needed, and a barrier.
  template <class Fill>
  void exchange(vkrt::Stream& stream, Fill&& fill) {
    for (Part& p : parts_) fill(stream, p);
    stream.barrier();
    gather(stream);
    stream.barrier();
  }

 private:
  void gather(vkrt::Stream& stream) const;

  ref::Nchw full_;
  int half_;
  std::vector<Part> parts_;
  std::deque<vkrt::Buffer> buffers_;
};

}  // namespace alexnet::verify
