// One stage of the network as the trainer sees it: records its forward and backward dispatches
// into a stream. Layers own their kernels and parameters; the Network owns the activation and
// gradient buffers and hands each layer its ranges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "runtime/memory.h"
#include "runtime/stream.h"

namespace alexnet::net {

// A learnable tensor with its gradient and momentum, all on the device.
struct Parameter {
  std::string name;              // "conv1.weight", ...
  std::vector<int> shape;        // PyTorch layout: conv (out, in/groups, kh, kw), fc (out, in)
  std::size_t count = 0;
  float init_std = 0;            // > 0: N(0, init_std); else constant init_value
  float init_value = 0;
  float weight_decay_mult = 1;   // weights decay, biases do not
  vkrt::Buffer value, grad, momentum;
};

// What changes per recorded step and is the same for every layer of it.
// The seed and step reach the shaders through a key buffer the host writes before each
// submission (DropoutKeyBuffer), so a recording made for one step replays for every other;
// `train` is fixed by the recording.
struct StepKey {
  std::uint32_t seed = 0;   // dropout masks are keyed by (seed, step)
  std::uint32_t step = 0;
  bool train = true;        // false: dropout is the identity
};

// Receives the end of each pass inside a layer's backward ("backward-data", "backward-weight"),
// so that a benchmark can time the passes apart. Layers call LayerIO::end_pass; only profiling
// sets a marker.
class PassMarker {
 public:
  virtual ~PassMarker() = default;
  virtual void end_pass(vkrt::Stream& stream, const char* pass) = 0;
};

struct LayerIO {
  vkrt::BufferRange x;                  // (batch, in)
  vkrt::BufferRange y;                  // (batch, out); the same range as x for in-place layers
  std::optional<vkrt::BufferRange> dy;  // backward only
  std::optional<vkrt::BufferRange> dx;  // backward only; empty for the first layer
  int batch = 0;
  std::uint64_t sample_offset = 0;      // index of this micro-batch's first sample in the step
  StepKey key;                          // key.train only: seed and step are read from key_buffer
  std::optional<vkrt::BufferRange> key_buffer;  // the step key (seed, step), when the network has dropout
  PassMarker* passes = nullptr;         // set by profiling only

  // Ends the pass recorded so far (a no-op unless profiling).
  void end_pass(vkrt::Stream& stream, const char* pass) const {
    if (passes) passes->end_pass(stream, pass);
  }
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual const std::string& name() const = 0;
  virtual Shape3 output_shape() const = 0;
  // In place: y is x and dx is dy (elementwise layers whose backward reads only y).
  virtual bool in_place() const { return false; }
  // Extra device memory per sample the layer keeps between forward and backward (e.g. argmax).
  virtual void forward(vkrt::Stream& stream, const LayerIO& io) = 0;
  // accumulate: add parameter gradients to what is there (micro-batches after the first).
  virtual void backward(vkrt::Stream& stream, const LayerIO& io, bool accumulate) = 0;
  virtual std::vector<Parameter*> parameters() { return {}; }
  // Bytes of device memory the layer keeps from forward for backward (LRN's scale, max-pool's
  // argmax), for memory reports.
  virtual std::size_t state_bytes() const { return 0; }
  // Multiply-accumulates per sample of forward, for benchmarks.
  virtual double forward_macs_per_sample() const { return 0; }
};

}  // namespace alexnet::net
