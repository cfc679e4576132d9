// Inverted dropout on the GPU (shaders dropout_fwd, dropout_bwd), bit for bit ref::dropout_*:
// kept units are scaled by 1/(1-p) while training, so inference is the identity. No mask is
// stored: both passes regenerate it with Philox4x32-10 keyed by (seed, step), so backward must be
// called with the same (p, seed, step, element_offset) as its forward.
//
// element_offset is the flat index of this call's element 0 within the whole tensor: a
// micro-batch slice [offset, offset + count) draws exactly the mask the whole tensor would.
// Calls larger than one binding's limits (maxStorageBufferRange for the output,
// maxTexelBufferElements for the input's texel view) are split into several dispatches, each with
// its own element offset, so any count up to 2^32 works.
//
// The input is read through an RGBA32F texel view and the output written as a storage buffer (why,
// and the "tail" pipeline for a partial texel: "Texel-wise element ops" in shaders/common.glsl);
// both may be the same range (in place). Each shader is built three times: whole texels whose
// first element's global index is a multiple of 4 (one Philox block per texel, the network's
// case), whole texels at any offset, and the partial texel.
#pragma once

#include <cstdint>

#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

class DropoutOp {
 public:
  // max_elements_per_dispatch: 0 for the device limits; a small value makes tests exercise the
  // split (it is rounded down to keep chunk offsets aligned, and never below that alignment).
  // texels_per_invocation: texels of four elements each invocation handles; tests pass 1 to reach
  // more than 65535 workgroups (the dispatch's spill into y) with a moderate count.
  explicit DropoutOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch = 0,
                     std::uint32_t texels_per_invocation = 4);

  // x: (count) -> y: (count), y_i = keep_i ? x_i / (1-p) : 0, keep_i = ref::dropout_keep(
  // element_offset + i, p, seed, step). Throws std::invalid_argument unless p is in [0, 1) and
  // element_offset + count <= 2^32. count 0 records nothing.
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y, std::uint64_t count,
               float p, std::uint32_t seed, std::uint32_t step, std::uint64_t element_offset = 0) const;
  // dy: (count) -> dx: (count), dx_i = keep_i ? dy_i / (1-p) : 0 with forward's mask.
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx, std::uint64_t count,
                float p, std::uint32_t seed, std::uint32_t step, std::uint64_t element_offset = 0) const;

 private:
  struct Push {  // mirrors dropout_fwd.comp / dropout_bwd.comp
    std::uint32_t count;
    std::uint32_t element_offset;
    std::uint32_t seed;
    std::uint32_t step;
    float p;
    float scale;  // float(1) / (float(1) - p), rounded on the host like the reference
  };
  // One shader's pipelines (see the header comment).
  struct Kernels {
    vkrt::Kernel aligned, shifted, tail;
  };
  static Kernels kernels(vkrt::Context& context, const char* shader, std::uint32_t texels);
  void record(const Kernels& kernels, vkrt::Stream& stream, const vkrt::BufferRange& in, const vkrt::BufferRange& out,
              std::uint64_t count, float p, std::uint32_t seed, std::uint32_t step, std::uint64_t element_offset) const;

  std::uint64_t max_chunk_;  // elements per dispatch: fits both bindings' limits, offsets stay aligned
  std::uint32_t texels_;     // per invocation (the shaders' TEXELS)
  Kernels forward_;
  Kernels backward_;
};

}  // namespace alexnet
