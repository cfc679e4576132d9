// Local response normalisation on the GPU (shaders lrn_fwd, lrn_bwd): the paper's formula with
// alpha NOT divided by the window size, exactly as ref::lrn_forward / ref::lrn_backward.
// The window size, k, alpha, beta and the (C, H, W) shape are specialization constants, so the
// window loop unrolls; the batch enters only through the element count.
//
// Each invocation computes four consecutive elements (shaders/lrn.glsl). Inputs are read through
// RGBA32F texel views, so ranges must start at an offset aligned for texel buffers (Allocator
// ranges are).
//
// Channel slices: when a layer's channels are split over devices, each device's op holds a slice
// of the channels (LrnSlice) and reads its neighbours' channels, within half a window of the
// slice's edges, from a halo buffer per pass: x for forward, the backward's window term
// r = dy * y / scale for backward. A slice produces what its neighbours need with
// boundary_channels() and boundary_ratio(). Results equal the unsliced op's on the same channels.
//
// Halo layout, (N, halo_sides() * halo_channels(), H, W): per sample, if the slice has channels
// below it (first > 0), halo_channels() planes of global channels [first - half, first); then, if
// it has channels above it (first + C < total), halo_channels() planes of global channels
// [first + C, first + C + half). The boundary outputs use the same layout with the slice's own
// channels facing each neighbour (local [0, half) facing below, [C - half, C) facing above), so
// with two slices each one's boundary output is exactly the other's halo input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "model/ops/precision.h"
#include "model/reference/lrn.h"
#include "runtime/kernel.h"
#include "runtime/stream.h"

namespace alexnet {

// The op's C channels are global channels [first_channel, first_channel + C) of a tensor of
// total_channels. total_channels 0 (or C) means no slice.
struct LrnSlice {
  int first_channel = 0;
  int total_channels = 0;
};

class LrnOp {
 public:
  // Throws std::invalid_argument on a bad shape or parameters (as the reference does), a window
  // wider than 65535 channels (the shaders' window loop would pass llvmpipe's iteration limit), or
  // a bad slice: first < 0, first + C > total, or (sliced) C < size / 2.
  // precision: fp16 stores x, y, dy and dx in 16 bits (lrn_*_fp16); scale stays fp32. fp16 is for
  // unsliced ops only (std::invalid_argument otherwise: the two-device layout is fp32).
  LrnOp(vkrt::Context& context, ref::Nchw shape, ref::LrnParams params, LrnSlice slice = {},
        Precision precision = Precision::Fp32);

  // x: (N, C, H, W) -> y: (N, C, H, W), and scale: (N, C, H, W) = k + alpha * window sum of x^2,
  // kept for backward. x_halo (the neighbours' x in the halo layout above) is required iff
  // sliced(); it may be host-visible memory.
  void forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
               const vkrt::BufferRange& scale, const vkrt::BufferRange* x_halo = nullptr) const;
  // One pass from the forward's input x, output y and scale, and dy -> dx; all (N, C, H, W).
  // dx must not alias any input. ratio_halo (the neighbours' boundary_ratio() output, halo layout
  // above) is required iff sliced(); it may be host-visible memory.
  void backward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                const vkrt::BufferRange& scale, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx,
                const vkrt::BufferRange* ratio_halo = nullptr) const;

  // Sliced ops only (else std::invalid_argument): what the neighbours' halos hold, written to
  // `out` (N, halo_sides() * halo_channels(), H, W) in the halo layout (channels facing below
  // first, then those facing above). boundary_channels copies x's (transfer commands);
  // boundary_ratio computes dy * y / scale (a dispatch; `out` is bound as a storage buffer and may
  // be host-visible). Both are ordinary stream work: barrier before reading their inputs as usual.
  void boundary_channels(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& out) const;
  void boundary_ratio(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& y,
                      const vkrt::BufferRange& scale, const vkrt::BufferRange& out) const;

  const ref::Nchw& shape() const { return shape_; }
  bool sliced() const { return halo_ > 0; }
  // Channels on each side of the slice that the window reads from the halo: size / 2 when
  // sliced, else 0.
  int halo_channels() const { return halo_; }
  // Sides of the slice with neighbouring channels (0 when unsliced, else 1 or 2).
  int halo_sides() const { return int(below()) + int(above()); }
  // Floats in a halo or boundary buffer: N * halo_sides() * halo_channels() * H * W.
  std::size_t halo_elements() const {
    return std::size_t(shape_.n) * halo_sides() * halo_ * shape_.h * shape_.w;
  }

 private:
  struct Push {  // mirrors lrn_fwd.comp / lrn_bwd.comp
    std::uint32_t count;
  };
  // One shader as two pipelines: the whole quads of four elements, and the partial quad after
  // them (shaders/quads.glsl).
  struct Kernels {
    vkrt::Kernel main, tail;
  };
  static Kernels kernels(vkrt::Context& context, const std::string& shader, const ref::Nchw& s, const ref::LrnParams& p,
                         const LrnSlice& slice);
  void record(vkrt::Stream& stream, const Kernels& kernels, std::initializer_list<vkrt::BufferRange> buffers) const;
  bool below() const { return sliced() && slice_.first_channel > 0; }
  bool above() const { return sliced() && slice_.first_channel + shape_.c < slice_.total_channels; }
  void require_sliced(const char* what) const;
  // The halo range to bind: the caller's (validated), or a dummy when unsliced (the shaders
  // declare the binding but the unsliced pipelines never read it).
  vkrt::BufferRange halo_binding(const vkrt::BufferRange* halo, const vkrt::BufferRange& dummy,
                                 const char* what) const;

  // An activation's range as the shaders read it: RGBA16F at fp16.
  vkrt::BufferRange act(const vkrt::BufferRange& range) const {
    return precision_ == Precision::Fp16 ? vkrt::half_texels(range) : range;
  }

  ref::Nchw shape_;
  Precision precision_;
  LrnSlice slice_;  // total_channels filled in (C when unsliced)
  int halo_;        // size / 2 when sliced, else 0
  std::uint32_t count_;
  Kernels forward_;
  Kernels backward_;
  std::optional<vkrt::Kernel> ratio_;  // lrn_ratio, sliced ops only
};

}  // namespace alexnet
