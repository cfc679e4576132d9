// LRN forward and backward against model/reference/lrn.h (the paper's formula, alpha not divided
// by the window size).
#include <algorithm>
#include <limits>
#include <sstream>

#include "model/ops/lrn.h"
#include "model/reference/lrn.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"
#include "model/verify/lrn_slice.h"

namespace alexnet::verify {
namespace {

struct LrnCase {
  const char* label;
  ref::Nchw shape;
  ref::LrnParams params;
  float range;  // inputs uniform in [-range, range): larger makes the normalisation matter more
  std::uint32_t seed;
};

std::string describe(const LrnCase& c) {
  std::ostringstream s;
  s << c.label << " N" << c.shape.n << " C" << c.shape.c << " " << c.shape.h << "x" << c.shape.w << " n"
    << c.params.size << " k" << c.params.k << " a" << c.params.alpha << " b" << c.params.beta;
  return s.str();
}

// The saved denominator base s = k + alpha * window sum of x^2, in double like the reference.
std::vector<float> lrn_scale(const ref::Nchw& s, const ref::LrnParams& p, std::span<const float> x) {
  const std::size_t plane = std::size_t(s.h) * s.w;
  std::vector<float> scale(x.size());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (std::size_t pos = 0; pos < plane; ++pos) {
        double sum = 0.0;
        for (int j = std::max(0, c - p.size / 2); j <= std::min(s.c - 1, c + p.size / 2); ++j) {
          const double a = x[(std::size_t(n) * s.c + j) * plane + pos];
          sum += a * a;
        }
        scale[(std::size_t(n) * s.c + c) * plane + pos] = static_cast<float>(p.k + p.alpha * sum);
      }
  return scale;
}

CheckResult check_lrn(vkrt::Context& context, const LrnCase& c, bool backward) {
  const std::string shape = describe(c);
  const std::size_t count = c.shape.count();
  const auto x = random_uniform(count, c.seed, -c.range, c.range);
  const auto y_ref = ref::lrn_forward<float>(c.shape, c.params, x);
  const auto scale_ref = lrn_scale(c.shape, c.params, x);

  GpuScratch gpu(context);
  LrnOp op(context, c.shape, c.params);
  const auto& x_gpu = gpu.input(x);
  if (!backward) {
    const auto& y_gpu = gpu.output(count);
    const auto& scale_gpu = gpu.output(count);
    gpu.run([&](vkrt::Stream& s) { op.forward(s, x_gpu, y_gpu, scale_gpu); });
    return worse(compare("lrn.forward", shape, gpu.read(y_gpu), y_ref, kElementwiseTolerance),
                 compare("lrn.forward", shape + " (scale)", gpu.read(scale_gpu), scale_ref, kElementwiseTolerance));
  }
  // Backward reads the reference forward output (and the scale computed like the reference's) so
  // that only the backward shader is under test.
  const auto dy = random_uniform(count, c.seed + 1);
  const auto& y_in = gpu.input(y_ref);
  const auto& scale_in = gpu.input(scale_ref);
  const auto& dy_gpu = gpu.input(dy);
  const auto& dx_gpu = gpu.output(count);
  gpu.run([&](vkrt::Stream& s) { op.backward(s, x_gpu, y_in, scale_in, dy_gpu, dx_gpu); });
  return compare("lrn.backward", shape, gpu.read(dx_gpu), ref::lrn_backward<float>(c.shape, c.params, x, dy),
                 kElementwiseTolerance);
}

// A channel slice [first, first + channels) of a full (N, T, H, W) tensor, as one device of a
// split holds it (LrnSlice); the channels below and above it (if any) are its neighbour slices.
struct LrnSliceCase {
  const char* label;
  ref::Nchw full;
  ref::LrnParams params;
  int first, channels;
  float range;
  std::uint32_t seed;
};

std::string describe(const LrnSliceCase& c) {
  std::ostringstream s;
  s << c.label << " N" << c.full.n << " T" << c.full.c << " [" << c.first << "," << c.first + c.channels << ") "
    << c.full.h << "x" << c.full.w << " n" << c.params.size << " k" << c.params.k << " a" << c.params.alpha << " b"
    << c.params.beta;
  return s.str();
}

// The slice and its neighbours (two or three sliced ops) against the reference on the FULL
// tensor, each restricted to its channels. Halos travel as between devices: each op's
// boundary_channels / boundary_ratio output, written on the GPU into a host-visible buffer, is
// its neighbour's halo (LrnPartition).
CheckResult check_lrn_slice(vkrt::Context& context, const LrnSliceCase& c, bool backward) {
  const std::string shape = describe(c);
  const auto x = random_uniform(c.full.count(), c.seed, -c.range, c.range);
  const auto y_ref = ref::lrn_forward<float>(c.full, c.params, x);
  const auto scale_ref = lrn_scale(c.full, c.params, x);
  std::vector<int> cuts;
  if (c.first > 0) cuts.push_back(c.first);
  if (c.first + c.channels < c.full.c) cuts.push_back(c.first + c.channels);

  GpuScratch gpu(context);
  LrnPartition split(context, c.full, c.params, cuts);
  struct Io {
    const vkrt::Buffer *x, *y, *scale, *dy, *dx;
  };
  std::vector<Io> io;
  const auto dy = backward ? random_uniform(c.full.count(), c.seed + 1) : std::vector<float>{};
  for (const auto& p : split.parts()) {
    auto slice = [&](std::span<const float> v) { return channel_slice(c.full, v, p.first, p.channels); };
    const std::size_t count = p.op->shape().count();
    // Backward reads the reference forward output and scale, as check_lrn does.
    io.push_back(backward ? Io{&gpu.input(slice(x)), &gpu.input(slice(y_ref)), &gpu.input(slice(scale_ref)),
                               &gpu.input(slice(dy)), &gpu.output(count)}
                          : Io{&gpu.input(slice(x)), &gpu.output(count), &gpu.output(count), nullptr, nullptr});
  }
  gpu.run([&](vkrt::Stream& s) {
    split.exchange(s, [&](vkrt::Stream& st, LrnPartition::Part& p) {
      const Io& b = io[std::size_t(&p - split.parts().data())];
      if (backward)
        p.op->boundary_ratio(st, *b.dy, *b.y, *b.scale, *p.boundary);
      else
        p.op->boundary_channels(st, *b.x, *p.boundary);
    });
    for (std::size_t i = 0; i < io.size(); ++i) {
      const auto& p = split.parts()[i];
      const vkrt::BufferRange halo(*p.halo);
      if (backward)
        p.op->backward(s, *io[i].x, *io[i].y, *io[i].scale, *io[i].dy, *io[i].dx, &halo);
      else
        p.op->forward(s, *io[i].x, *io[i].y, *io[i].scale, &halo);
    }
  });
  const auto dx_ref = backward ? ref::lrn_backward<float>(c.full, c.params, x, dy) : std::vector<float>{};
  CheckResult result;
  for (std::size_t i = 0; i < io.size(); ++i) {
    const auto& p = split.parts()[i];
    auto slice = [&](std::span<const float> v) { return channel_slice(c.full, v, p.first, p.channels); };
    const std::string where = shape + " part [" + std::to_string(p.first) + "," +
                              std::to_string(p.first + p.channels) + ")";
    CheckResult r = backward
                        ? compare("lrn.backward", where, gpu.read(*io[i].dx), slice(dx_ref), kElementwiseTolerance)
                        : worse(compare("lrn.forward", where, gpu.read(*io[i].y), slice(y_ref), kElementwiseTolerance),
                                compare("lrn.forward", where + " (scale)", gpu.read(*io[i].scale), slice(scale_ref),
                                        kElementwiseTolerance));
    result = i == 0 ? r : worse(result, r);
  }
  return result;
}

}  // namespace

void add_lrn_checks(std::vector<Check>& checks) {
  const ref::LrnParams paper{};  // size 5, k 2, alpha 1e-4, beta 0.75
  const LrnCase cases[] = {
      // The real layers at batch 2: after conv1 and conv2 (ReLU outputs, but signs do not matter).
      // Inputs up to 10 so that alpha * sum is ~1e-2: with inputs below 1 the paper's alpha of 1e-4
      // moves y by less than the tolerance, and a wrong window would pass.
      {"conv1", {2, 96, 55, 55}, paper, 10.0f, 301},
      {"conv2", {2, 256, 27, 27}, paper, 10.0f, 311},
      // Awkward: batch 1 and 3, odd planes, a narrow window and a large alpha so that the
      // normalisation (and the backward's cross-channel term) matters; fewer channels than the
      // window; a beta other than 0.75.
      {"small", {1, 7, 5, 3}, {3, 1.0, 0.1, 0.75}, 2.0f, 321},
      {"few channels", {3, 3, 4, 5}, {5, 2.0, 0.1, 0.6}, 2.0f, 331},
      {"odd", {3, 11, 3, 7}, {5, 1.0, 0.05, 1.0}, 3.0f, 341},
      // alexnet-small's layers (28x28 and 13x13 planes). The shaders read a neighbouring channel's
      // four elements as one texel when H * W % 4 == 0, else as two shifted by (d * H * W) % 4:
      // the cases between them have planes of every residue mod 4 (0, 1, 2, 3).
      {"small conv1", {2, 32, 28, 28}, paper, 10.0f, 351},
      {"small conv2", {2, 64, 13, 13}, paper, 10.0f, 361},
      {"plane 6", {2, 5, 2, 3}, {5, 1.0, 0.1, 0.75}, 2.0f, 365},
      // Texel-aligned planes with a large alpha; a single channel; a window wider than C.
      {"aligned", {3, 9, 2, 6}, {5, 1.0, 0.1, 0.75}, 2.0f, 371},
      {"one channel", {2, 1, 3, 4}, {5, 2.0, 0.1, 0.75}, 2.0f, 381},
      {"wide window", {1, 4, 3, 3}, {9, 1.0, 0.1, 0.75}, 2.0f, 391},
  };
  for (bool backward : {false, true})
    for (const LrnCase& c : cases)
      checks.push_back({backward ? "lrn.backward" : "lrn.forward", describe(c),
                        [=](vkrt::Context& context) { return check_lrn(context, c, backward); }});

  // Channel slices (a layer split over devices): each case's slice and its one or two neighbours.
  // 3x3 and 3x1 planes put quads across channel and sample edges, and 45 elements leave a partial
  // quad; a large alpha makes the halo matter.
  const ref::LrnParams strong{5, 1.0, 0.1, 0.75};
  const LrnSliceCase slices[] = {
      {"slice low", {2, 12, 3, 3}, strong, 0, 6, 2.0f, 401},  // "below" lies before channel 0
      {"slice high", {2, 12, 3, 3}, strong, 6, 6, 2.0f, 411},  // "above" lies past the last channel
      {"slice middle", {3, 13, 3, 1}, strong, 4, 5, 2.0f, 421},  // three slices; a partial quad
      {"slice aligned", {2, 10, 2, 2}, {3, 1.0, 0.1, 0.6}, 3, 4, 2.0f, 431},  // three; one-texel planes
      {"slice wide", {2, 9, 3, 1}, {9, 1.0, 0.05, 0.75}, 5, 4, 2.0f, 441},  // C = half the window
      {"conv1 half", {2, 96, 5, 5}, paper, 48, 48, 10.0f, 451},  // the paper's split, small planes
      {"conv2 third", {2, 256, 3, 3}, paper, 85, 86, 10.0f, 461},  // three slices of a 256-channel layer
  };
  for (bool backward : {false, true})
    for (const LrnSliceCase& c : slices)
      checks.push_back({backward ? "lrn.backward" : "lrn.forward", describe(c),
                        [=](vkrt::Context& context) { return check_lrn_slice(context, c, backward); }});
}

}  // namespace alexnet::verify
