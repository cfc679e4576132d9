#include "model/ops/lrn.h"

#include <limits>
#include <utility>
#include <stdexcept>
#include <string>

#include "model/ops/require_floats.h"

namespace alexnet {
namespace {

constexpr std::uint32_t kLocal = 64;

const ref::Nchw& validated(const ref::Nchw& s, const ref::LrnParams& p) {
  // The reference's rules (model/reference/lrn.h): the GPU op accepts exactly what it accepts.
  if (s.n <= 0 || s.c <= 0 || s.h <= 0 || s.w <= 0) throw std::invalid_argument("LrnOp: sizes must be positive");
  if (p.size <= 0 || p.size % 2 == 0)
    throw std::invalid_argument("LrnOp: size must be odd and positive, got " + std::to_string(p.size));
  if (!(p.k > 0.0) || !(p.alpha >= 0.0)) throw std::invalid_argument("LrnOp: need k > 0 and alpha >= 0");
  if (s.count() > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("LrnOp: more than 2^32 - 1 elements; use a smaller batch");
  // The shaders loop over the window, and llvmpipe ends an invocation after 65535 iterations.
  if (p.size > 65535) throw std::invalid_argument("LrnOp: a window of more than 65535 channels");
  return s;
}

// The slice with total_channels filled in; throws when it does not fit the total, or when a
// sliced op has fewer channels than half a window (its halo would need channels past the other
// device's neighbouring ones).
LrnSlice validated(const ref::Nchw& s, const ref::LrnParams& p, LrnSlice slice) {
  if (slice.total_channels == 0) slice.total_channels = s.c;
  if (slice.first_channel < 0 || slice.total_channels < s.c ||
      slice.first_channel > slice.total_channels - s.c)
    throw std::invalid_argument("LrnOp: channels [" + std::to_string(slice.first_channel) + ", " +
                                std::to_string(std::int64_t(slice.first_channel) + s.c) + ") do not fit in " +
                                std::to_string(slice.total_channels));
  if (slice.total_channels != s.c && s.c < p.size / 2)
    throw std::invalid_argument("LrnOp: a slice of " + std::to_string(s.c) +
                                " channels is narrower than half the window (" + std::to_string(p.size / 2) + ")");
  return slice;
}

}  // namespace

LrnOp::Kernels LrnOp::kernels(vkrt::Context& context, const std::string& shader, const ref::Nchw& s,
                              const ref::LrnParams& p, const LrnSlice& slice) {
  const bool halo = slice.total_channels != s.c;
  auto kernel = [&](bool tail) {
    return vkrt::Kernel(context, {shader,
                                  {kLocal, 1, 1},
                                  {p.size, static_cast<float>(p.k), static_cast<float>(p.alpha),
                                   static_cast<float>(p.beta), static_cast<std::uint32_t>(s.c),
                                   static_cast<std::uint32_t>(s.h) * static_cast<std::uint32_t>(s.w), tail, halo,
                                   slice.first_channel, slice.total_channels}});
  };
  return {kernel(false), kernel(true)};
}

LrnOp::LrnOp(vkrt::Context& context, ref::Nchw shape, ref::LrnParams params, LrnSlice slice, Precision precision)
    : shape_(validated(shape, params)),
      precision_((require_precision(context, precision), precision)),
      slice_(validated(shape, params, slice)),
      halo_(slice_.total_channels != shape.c ? params.size / 2 : 0),
      count_(static_cast<std::uint32_t>(shape.count())),
      forward_(kernels(context, shader_variant("lrn_fwd", precision), shape, params, slice_)),
      backward_(kernels(context, shader_variant("lrn_bwd", precision), shape, params, slice_)) {
  if (sliced() && precision == Precision::Fp16)
    throw std::invalid_argument("LrnOp: fp16 storage is for unsliced ops only");
  if (sliced())
    ratio_.emplace(context, vkrt::KernelDesc{"lrn_ratio",
                                             {kLocal, 1, 1},
                                             {static_cast<std::uint32_t>(shape.c),
                                              static_cast<std::uint32_t>(shape.h) * static_cast<std::uint32_t>(shape.w),
                                              static_cast<std::uint32_t>(halo_), below(), above()}});
}

void LrnOp::require_sliced(const char* what) const {
  if (!sliced()) throw std::invalid_argument(std::string("LrnOp: ") + what + " of an op without a slice");
}

vkrt::BufferRange LrnOp::halo_binding(const vkrt::BufferRange* halo, const vkrt::BufferRange& dummy,
                                      const char* what) const {
  if (!sliced()) {
    if (halo) throw std::invalid_argument(std::string("LrnOp: ") + what + " given to an op without a slice");
    // One float of an input: a valid view of any range, whatever its size.
    return vkrt::scalar_texels(dummy.sub(0, sizeof(float)));
  }
  if (!halo) throw std::invalid_argument(std::string("LrnOp: a sliced op needs ") + what);
  require_floats("LrnOp", what, *halo, halo_elements());
  return vkrt::scalar_texels(*halo);  // the shaders fetch halo elements one float at a time
}

void LrnOp::record(vkrt::Stream& stream, const Kernels& kernels,
                   std::initializer_list<vkrt::BufferRange> buffers) const {
  const Push push{count_};
  // One invocation per whole quad; the partial quad (if any) by the tail pipeline. The two write
  // disjoint elements, so they need no barrier between them.
  if (count_ >= 4) stream.dispatch(kernels.main, buffers, push, vkrt::linear_groups(count_ / 4, kLocal));
  if (count_ % 4 != 0) stream.dispatch(kernels.tail, buffers, push, vkrt::Groups{1, 1, 1});
}

void LrnOp::forward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                    const vkrt::BufferRange& scale, const vkrt::BufferRange* x_halo) const {
  const std::uint32_t bytes = activation_bytes(precision_);
  require_elements("LrnOp", "x", x, count_, bytes);
  require_elements("LrnOp", "y", y, count_, bytes);
  require_floats("LrnOp", "scale", scale, count_);
  record(stream, forward_, {act(x), y, scale, halo_binding(x_halo, x, "x halo")});
}

void LrnOp::backward(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& y,
                     const vkrt::BufferRange& scale, const vkrt::BufferRange& dy, const vkrt::BufferRange& dx,
                     const vkrt::BufferRange* ratio_halo) const {
  const std::uint32_t bytes = activation_bytes(precision_);
  require_elements("LrnOp", "x", x, count_, bytes);
  require_elements("LrnOp", "y", y, count_, bytes);
  require_floats("LrnOp", "scale", scale, count_);
  require_elements("LrnOp", "dy", dy, count_, bytes);
  require_elements("LrnOp", "dx", dx, count_, bytes);
  record(stream, backward_, {act(x), act(y), scale, act(dy), dx, halo_binding(ratio_halo, dy, "ratio halo")});
}

void LrnOp::boundary_channels(vkrt::Stream& stream, const vkrt::BufferRange& x, const vkrt::BufferRange& out) const {
  require_sliced("boundary_channels");
  require_floats("LrnOp", "x", x, count_);
  require_floats("LrnOp", "boundary channels", out, halo_elements());
  // Per side, one block of half * H * W floats per sample.
  const VkDeviceSize plane = VkDeviceSize(shape_.h) * shape_.w * sizeof(float);
  const VkDeviceSize block = VkDeviceSize(halo_) * plane;
  int side = 0;
  for (const auto& [facing, first_local] : {std::pair{below(), 0}, std::pair{above(), shape_.c - halo_}}) {
    if (!facing) continue;
    stream.copy_strided(x, out,
                        vkrt::StridedCopy{.src_offset = VkDeviceSize(first_local) * plane,
                                          .dst_offset = VkDeviceSize(side) * block,
                                          .block = block,
                                          .src_stride = VkDeviceSize(shape_.c) * plane,
                                          .dst_stride = VkDeviceSize(halo_sides()) * block,
                                          .count = static_cast<std::uint32_t>(shape_.n)});
    ++side;
  }
}

void LrnOp::boundary_ratio(vkrt::Stream& stream, const vkrt::BufferRange& dy, const vkrt::BufferRange& y,
                           const vkrt::BufferRange& scale, const vkrt::BufferRange& out) const {
  require_sliced("boundary_ratio");
  require_floats("LrnOp", "dy", dy, count_);
  require_floats("LrnOp", "y", y, count_);
  require_floats("LrnOp", "scale", scale, count_);
  const std::size_t elements = halo_elements();
  require_floats("LrnOp", "boundary ratio", out, elements);
  const Push push{static_cast<std::uint32_t>(elements)};
  stream.dispatch(*ratio_, {vkrt::scalar_texels(dy), vkrt::scalar_texels(y), vkrt::scalar_texels(scale), out}, push,
                  vkrt::linear_groups(elements, kLocal));
}

}  // namespace alexnet
