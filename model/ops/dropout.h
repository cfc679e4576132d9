// Inverted dropout on the GPU (shaders dropout_fwd, dropout_bwd), bit for bit ref::dropout_*:
// kept units are scaled by 1/(1-p) while training, so inference is the identity. No mask is
// stored: both passes regenerate it with Philox4x32-10 keyed by (seed, step), so backward must be
// called with the same (p, key, element_offset) as its forward.
//
// element_offset is the flat index of this call's element 0 within the whole tensor: a
// micro-batch slice [offset, offset + count) draws exactly the mask the whole tensor would.
// Calls larger than one binding's limits (maxStorageBufferRange for the output,
// maxTexelBufferElements for the input's texel view) are cut into chunks, one dispatch each, with
// its own element offset, so any count up to 2^32 works.
//
// The input is read through an RGBA32F texel view and the output written as a storage buffer (why,
// and the "tail" pipeline for a partial texel: "Texel-wise element ops" in shaders/common.glsl);
// both may be the same range (in place). Each shader is built three times: whole texels whose
// first element's global index is a multiple of 4 (one Philox block per texel, the network's
// case), whole texels at any offset, and the partial texel.
//
// Rows (DropoutRows): the call's tensor is a column slice of a larger one, e.g. device d's share
// (batch, F/2) of an fc layer's (batch, F) outputs split across two devices. Local element i then
// draws at global index element_offset + (i / row_length) * row_stride + row_offset
// + i % row_length, so the devices' halves together drop exactly what one device would. This
// takes three more pipelines per shader (built on first use, so the contiguous case costs nothing
// extra): aligned (row_length, row_stride, row_offset, element_offset all multiples of 4: one
// Philox block per texel; about 1.2x the contiguous time on lavapipe, for the index arithmetic),
// any values (one Philox block per element: about 2.4x), and the partial texel.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "model/ops/precision.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

// The step's dropout key as the shaders read it: a buffer of two uint32 (seed, step), written by
// the host before each submission, so a recorded step replays with a new key; and the layer's salt
// (recorded), which the shaders XOR into the seed.
struct DropoutKey {
  vkrt::BufferRange buffer;
  std::uint32_t salt = 0;
};

// A host-visible key buffer: what a network, a test or a check hands to DropoutKey.
class DropoutKeyBuffer {
 public:
  explicit DropoutKeyBuffer(vkrt::Context& context, std::uint32_t seed = 0, std::uint32_t step = 0);
  void set(std::uint32_t seed, std::uint32_t step);
  DropoutKey key(std::uint32_t salt = 0) const { return {vkrt::BufferRange(buffer_), salt}; }
  const vkrt::Buffer& buffer() const { return buffer_; }

 private:
  vkrt::Buffer buffer_;
};

// Where a (rows, row_length) call sits in a (rows, row_stride) tensor: columns
// [row_offset, row_offset + row_length) of each row. row_length 0: contiguous (the default).
struct DropoutRows {
  std::uint64_t row_length = 0, row_stride = 0, row_offset = 0;
};

class DropoutOp {
 public:
  // max_elements_per_dispatch: 0 for the device limits; a small value makes tests exercise the
  // chunks (it is rounded down to keep chunk offsets aligned, and never below that alignment).
  // texels_per_invocation: texels of four elements each invocation handles; tests pass 1 to reach
  // more than 65535 workgroups (the dispatch's spill into y) with a moderate count.
  // precision: fp16 stores x, y, dy and dx in 16 bits (dropout_*_fp16: an RGBA16F view in, fp16
  // out, the mask and scale as in fp32); throws vkrt::Error when the device cannot.
  explicit DropoutOp(vkrt::Context& context, std::uint64_t max_elements_per_dispatch = 0,
                     std::uint32_t texels_per_invocation = 4, Precision precision = Precision::Fp32);

  // x: (count) -> y: (count), y_i = keep_i ? x_i / (1-p) : 0, keep_i = ref::dropout_keep(g_i, p,
  // seed ^ key.salt, step) with (seed, step) what key.buffer holds when the work runs and
  // g_i = element_offset + i, or with rows set the mapping in the header comment
  // (count need not be a whole number of rows). Throws std::invalid_argument unless p is in
  // [0, 1), every g_i < 2^32 (element_offset + count <= 2^32 when contiguous), and with rows
  // row_offset + row_length <= row_stride (row_stride and row_offset must be 0 without rows).
  // count 0 records nothing.
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y, std::uint64_t count,
               float p, const DropoutKey& key, std::uint64_t element_offset = 0, DropoutRows rows = {}) const;
  // dy: (count) -> dx: (count), dx_i = keep_i ? dy_i / (1-p) : 0 with forward's mask.
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx, std::uint64_t count,
                float p, const DropoutKey& key, std::uint64_t element_offset = 0, DropoutRows rows = {}) const;

 private:
  struct Push {  // mirrors dropout_fwd.comp / dropout_bwd.comp
    std::uint32_t count;
    std::uint32_t element_offset;
    std::uint32_t salt;  // XORed into the key buffer's seed
    float p;
    float scale;  // float(1) / (float(1) - p), rounded on the host like the reference
    std::uint32_t row_length, row_stride, row_offset;  // rows pipelines only
    std::uint32_t first;  // rows: the dispatch's first element within the call
    std::uint32_t row_magic, row_shift1, row_shift2;  // rows: division by row_length (dropout.glsl)
  };
  // One shader's pipelines for one mapping (see the header comment).
  struct Kernels {
    vkrt::Kernel aligned, shifted, tail;
  };
  // The rows pipelines, built once on first use; behind a pointer so DropoutOp stays movable.
  struct LazyRows {
    std::once_flag once;
    std::optional<Kernels> forward, backward;
  };
  static Kernels kernels(vkrt::Context& context, const std::string& shader, std::uint32_t texels, bool rows);
  const Kernels& rows_kernels(bool backward) const;
  void record(const Kernels& kernels, bool backward, vkrt::Stream& stream, const vkrt::BufferRange& in,
              const vkrt::BufferRange& out, std::uint64_t count, float p, const DropoutKey& key,
              std::uint64_t element_offset, const DropoutRows& rows) const;

  vkrt::Context* context_;
  Precision precision_;
  std::uint64_t max_chunk_;  // elements per dispatch: fits both bindings' limits, offsets stay aligned
  std::uint32_t texels_;     // per invocation (the shaders' TEXELS)
  Kernels forward_;
  Kernels backward_;
  std::unique_ptr<LazyRows> rows_;
};

}  // namespace alexnet
