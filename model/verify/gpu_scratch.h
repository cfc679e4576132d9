// Buffers and one stream for a single op check: upload inputs, allocate outputs, record, run,
// read back. Outputs start as NaN so an element the shader forgot to write fails the check.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

#include "runtime/memory.h"
#include "runtime/stream.h"

namespace alexnet::verify {

class GpuScratch {
 public:
  explicit GpuScratch(vkrt::Context& context);

  const vkrt::Buffer& input(std::span<const float> values);
  const vkrt::Buffer& input(std::span<const std::int32_t> values);
  const vkrt::Buffer& output(std::size_t count);  // filled with quiet NaN
  // The same in fp16 storage (model/reference/half.h): values rounded to nearest on upload, and
  // an output of `count` fp16 NaNs; read_half widens a buffer of fp16 back to floats.
  const vkrt::Buffer& input_half(std::span<const float> values);
  const vkrt::Buffer& output_half(std::size_t count);

  // begin, record, end, submit and wait.
  void run(const std::function<void(vkrt::Stream&)>& record);
  std::vector<float> read(const vkrt::Buffer& buffer) const;
  std::vector<std::int32_t> read_i32(const vkrt::Buffer& buffer) const;
  std::vector<float> read_half(const vkrt::Buffer& buffer) const;

  vkrt::Context& context() { return context_; }

 private:
  vkrt::Context& context_;
  std::deque<vkrt::Buffer> buffers_;
  vkrt::Stream stream_;
};

}  // namespace alexnet::verify
