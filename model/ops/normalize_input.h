// The network's input on the GPU from a batch's bytes (shaders/normalize_input.comp), matching
// ref::normalize_input bit for bit: x = (byte - mean[c]) * scale[c]. Batches travel to the device
// as uint8 (a quarter of float's bytes) and are converted here; the transform lives in a small
// buffer the host writes per batch, so the recording that converts is made once.
#pragma once

#include <cstdint>
#include <span>

#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace vkrt {
class Context;
}

namespace alexnet {

// mean[4] then scale[4] (floats), as the shader reads them; up to 4 channels.
class InputTransformBuffer {
 public:
  explicit InputTransformBuffer(vkrt::Context& context);
  // Throws std::invalid_argument for more than 4 channels or mismatched lengths.
  void set(std::span<const float> mean, std::span<const float> scale);
  const vkrt::Buffer& buffer() const { return buffer_; }

 private:
  vkrt::Buffer buffer_;
};

class NormalizeInputOp {
 public:
  explicit NormalizeInputOp(vkrt::Context& context);

  // bytes (>= first + count bytes) -> x (count floats): the bytes [first, first + count) of a
  // (N, channels, plane) batch. Any first: the binding starts at the aligned offset below it.
  void record(vkrt::Stream& stream, const vkrt::Buffer& bytes, std::uint64_t first, std::uint64_t count,
              const InputTransformBuffer& transform, const vkrt::BufferRange& x, std::uint32_t plane,
              std::uint32_t channels) const;

 private:
  struct Push {  // mirrors normalize_input.comp
    std::uint32_t count, skip, first, plane, channels;
  };
  vkrt::Context& context_;
  vkrt::Kernel kernel_;
};

}  // namespace alexnet
