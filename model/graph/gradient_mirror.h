// The step's parameter gradients in host memory, group by group as the backward pass finishes them
// (Model::mirror_gradients), for data parallelism: the ranks start summing the classifier's
// gradients (most of the bytes, and the first the backward pass makes) while the device still
// works on the convolutions.
//
// How the host learns that a group is done: the last micro-batch round's backward is recorded as
// several submissions ("parts"), cut after the layer that completes each group (Network's
// BackwardCuts). A part ends by copying the groups it completed into one host-visible buffer (all
// gradients in parameter order) and signals a timeline semaphore with the index of its last group
// + 1, counted on from the previous step's values. The update then copies the buffer back over
// the device's gradients before SGD, so whatever the host left there (the ranks' sum) is applied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/graph/network.h"
#include "model/model.h"
#include "runtime/exchange.h"
#include "runtime/memory.h"
#include "runtime/stream.h"

namespace alexnet {

class GradientMirror {
 public:
  // A part of the last round's backward: it ends after layer `after_layer`'s backward (the last
  // part: at the end of the pass) and completes groups [first_group, last_group).
  struct Part {
    std::size_t after_layer = 0;
    std::size_t first_group = 0, last_group = 0;
  };

  // `groups` must cover every parameter, from the last to the first, each after the one before
  // (std::invalid_argument otherwise). The device must have timeline semaphores.
  GradientMirror(vkrt::Context& context, Network& network, const std::vector<ParameterRange>& groups);

  const std::vector<Part>& parts() const { return parts_; }
  // The cuts that make these parts (all but the last part end at a cut).
  std::vector<std::size_t> cut_layers() const;

  // Records the copies of part p's groups from the device's gradients into host memory.
  void record_copies(vkrt::Stream& stream, std::size_t part);
  // Records the copy of every group from host memory back over the device's gradients.
  void record_write_back(vkrt::Stream& stream);

  // Moves on to the next step's timeline values; then part p signals signal(p) when done.
  void begin_step() { base_ += groups_.size(); }
  vkrt::TimelinePoint signal(std::size_t part) const { return timeline_.at(base_ + parts_[part].last_group); }
  // What a step recorded in one part (uncut: when profiling) signals.
  vkrt::TimelinePoint signal_all() const { return timeline_.at(base_ + groups_.size()); }
  // Group g of the step begun last: its floats once the device has copied them, waiting up to
  // timeout_ms; empty when not yet.
  std::span<float> ready(std::size_t group, double timeout_ms) const;

 private:
  std::span<float> floats(std::size_t group) const;

  Network& network_;
  std::vector<ParameterRange> groups_;
  std::vector<std::size_t> offsets_;  // per parameter: its first float in host_ (and the total)
  std::vector<Part> parts_;
  vkrt::Timeline timeline_;
  vkrt::Buffer host_;
  std::uint64_t base_ = 0;
};

}  // namespace alexnet
