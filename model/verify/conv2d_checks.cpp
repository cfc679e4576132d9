// Convolution, all four passes, against model/reference/conv2d.h: the five AlexNet layers at
// batch 2 and small awkward shapes (batch 1 and 3, odd sizes, stride 2 and 3, groups 2, a 1x1
// kernel, asymmetric and one-sided padding, a non-square kernel, a kernel larger than the input,
// a grid too big for one workgroup-count axis), plus the accumulate form of both gradient sums.
//
// Magnitudes: inputs are uniform in [-1, 1), weights scaled by 1/sqrt(fan-in) and gradients
// summed over the batch by 1/sqrt(summands), so every output is O(1) as in training. Unscaled
// sums of thousands of O(1) products would make the fp32 rounding of the GPU's sum (legitimately)
// exceed the absolute tolerance on outputs near zero.
#include <cmath>
#include <string>

#include "model/ops/conv2d.h"
#include "model/reference/conv2d.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

enum class Pass { Forward, BackwardData, BackwardWeight, BackwardBias };

const char* op_name(Pass pass) {
  switch (pass) {
    case Pass::Forward: return "conv2d.forward";
    case Pass::BackwardData: return "conv2d.backward_data";
    case Pass::BackwardWeight: return "conv2d.backward_weight";
    case Pass::BackwardBias: return "conv2d.backward_bias";
  }
  return "";
}

struct ConvCase {
  std::string label;  // the AlexNet layer, or empty
  ref::Conv2dShape shape;
};

// e.g. "conv2 N2 96x27x27 -> 256 k5 s1 p2 g2 [texel]"; "p0/3" is pad before / after; "acc" =
// accumulate; the bracket names the GEMM path (none for the bias gradient, which has one).
std::string describe(const ConvCase& c, bool accumulate, GemmPath path) {
  const auto& s = c.shape;
  // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string out = c.label;
  auto add = [&out](const char* text, int value) {
    out += text;
    out += std::to_string(value);
  };
  if (!out.empty()) out += ' ';
  add("N", s.n);
  add(" ", s.c_in);
  add("x", s.h);
  add("x", s.w);
  add(" -> ", s.c_out);
  add(" k", s.kh);
  if (s.kw != s.kh) add("x", s.kw);
  add(" s", s.stride);
  add(" p", s.pad);
  if (s.pad_end != s.pad) add("/", s.pad_end);
  if (s.groups != 1) add(" g", s.groups);
  if (accumulate) out += " acc";
  if (path != GemmPath::Auto) {
    out += " [";
    out += gemm_path_name(path);
    out += ']';
  }
  return out;
}

std::vector<float> plus(std::vector<float> a, const std::vector<float>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

// One pass at one shape. Tensor seeds are seed + 1 (x), 2 (w), 3 (b), 4 (dy), 5 (prefill).
CheckResult check_conv(vkrt::Context& context, const ConvCase& c, Pass pass, bool accumulate, std::uint32_t seed,
                       GemmPath path) {
  const ref::Conv2dShape& s = c.shape;
  const std::size_t x_count = std::size_t(s.n) * s.c_in * s.h * s.w;
  const std::size_t w_count = std::size_t(s.c_out) * (s.c_in / s.groups) * s.kh * s.kw;
  const std::size_t y_count = std::size_t(s.n) * s.c_out * s.out_h() * s.out_w();
  const float w_scale = 1.0f / std::sqrt(float(s.c_in / s.groups * s.kh * s.kw));
  const float dy_sum_scale = 1.0f / std::sqrt(float(s.n * s.out_h() * s.out_w()));
  const std::string op_str = op_name(pass), shape_str = describe(c, accumulate, path);

  GpuScratch gpu(context);
  Conv2dOp op(context, s, path);
  switch (pass) {
    case Pass::Forward: {
      const auto x = random_uniform(x_count, seed + 1);
      const auto w = random_uniform(w_count, seed + 2, -w_scale, w_scale);
      const auto b = random_uniform(std::size_t(s.c_out), seed + 3, -0.1f, 0.1f);
      const auto &x_gpu = gpu.input(x), &w_gpu = gpu.input(w), &b_gpu = gpu.input(b);
      const auto& y_gpu = gpu.output(y_count);
      gpu.run([&](vkrt::Stream& st) { op.forward(st, x_gpu, w_gpu, b_gpu, y_gpu); });
      return compare(op_str, shape_str, gpu.read(y_gpu), ref::conv2d_forward<float>(s, x, w, b),
                     kReductionTolerance);
    }
    case Pass::BackwardData: {
      const auto w = random_uniform(w_count, seed + 2, -w_scale, w_scale);
      const auto dy = random_uniform(y_count, seed + 4);
      const auto &w_gpu = gpu.input(w), &dy_gpu = gpu.input(dy);
      const auto& dx_gpu = gpu.output(x_count);
      gpu.run([&](vkrt::Stream& st) { op.backward_data(st, dy_gpu, w_gpu, dx_gpu); });
      return compare(op_str, shape_str, gpu.read(dx_gpu), ref::conv2d_backward_data<float>(s, dy, w),
                     kReductionTolerance);
    }
    case Pass::BackwardWeight: {
      const auto x = random_uniform(x_count, seed + 1);
      const auto dy = random_uniform(y_count, seed + 4, -dy_sum_scale, dy_sum_scale);
      const auto &x_gpu = gpu.input(x), &dy_gpu = gpu.input(dy);
      const auto prev = accumulate ? random_uniform(w_count, seed + 5) : std::vector<float>{};
      const auto& dw_gpu = accumulate ? gpu.input(prev) : gpu.output(w_count);
      gpu.run([&](vkrt::Stream& st) { op.backward_weight(st, dy_gpu, x_gpu, dw_gpu, accumulate); });
      auto expected = ref::conv2d_backward_weight<float>(s, dy, x);
      if (accumulate) expected = plus(std::move(expected), prev);
      return compare(op_str, shape_str, gpu.read(dw_gpu), expected, kReductionTolerance);
    }
    case Pass::BackwardBias: {
      const auto dy = random_uniform(y_count, seed + 4, -dy_sum_scale, dy_sum_scale);
      const auto& dy_gpu = gpu.input(dy);
      const auto prev = random_uniform(std::size_t(s.c_out), seed + 5);
      const auto& db_gpu = accumulate ? gpu.input(prev) : gpu.output(std::size_t(s.c_out));
      gpu.run([&](vkrt::Stream& st) { op.backward_bias(st, dy_gpu, db_gpu, accumulate); });
      auto expected = ref::conv2d_backward_bias<float>(s, dy);
      if (accumulate) expected = plus(std::move(expected), prev);
      return compare(op_str, shape_str, gpu.read(db_gpu), expected, kReductionTolerance);
    }
  }
  return {};
}

// Conv2dShape fields: n, c_in, h, w, c_out, kh, kw, stride, pad, pad_end, groups.
std::vector<ConvCase> cases() {
  return {
      // The paper's layers at batch 2. conv1 takes the 224 input with cuda-convnet's output rule,
      // written as 3 zero rows/columns after the image (pad 0, pad_end 3): 55x55.
      {"conv1", {2, 3, 224, 224, 96, 11, 11, 4, 0, 3, 1}},
      {"conv2", {2, 96, 27, 27, 256, 5, 5, 1, 2, 2, 2}},
      {"conv3", {2, 256, 13, 13, 384, 3, 3, 1, 1, 1, 1}},
      {"conv4", {2, 384, 13, 13, 384, 3, 3, 1, 1, 1, 2}},
      {"conv5", {2, 384, 13, 13, 256, 3, 3, 1, 1, 1, 2}},
      // Awkward small shapes, several quirks each: every shape is three more pipelines to
      // compile, and lavapipe compiles each in about half a second.
      {"", {1, 3, 7, 5, 5, 3, 3, 1, 1, 1, 1}},    // batch 1, odd sizes, channels not a multiple of 4
      {"", {3, 6, 9, 7, 4, 3, 3, 2, 2, 0, 2}},    // batch 3, stride 2, groups 2, padding before only
      {"", {1, 4, 6, 5, 6, 1, 1, 2, 0, 0, 2}},    // 1x1 at stride 2: some inputs feed no output
      {"", {3, 3, 11, 9, 5, 4, 3, 3, 1, 2, 1}},   // asymmetric pad, stride 3, non-square kernel
      {"", {1, 2, 3, 3, 2, 5, 5, 1, 2, 2, 1}},    // kernel larger than the input
  };
}

// 16.8M output positions: more GEMM tiles than one workgroup-count axis holds (65535), so the
// grid spills into y. Forward only, to keep it cheap (every GEMM shader finds its tile with the
// same gemm_tile_origin); the weight and bias gradients would also sum all 16.8M positions in one
// workgroup, past lavapipe's limit of 65535 loop iterations.
ConvCase big_grid_case() { return {"", {1, 1, 4100, 4100, 1, 1, 1, 1, 0, 0, 1}}; }

// Few output tiles and a long K (4 x 16 x 16 positions): the tiled weight gradient cuts K
// into slices (conv2d_bwd_weight.comp + sum_slices.comp), as it does for conv1 and conv2.
ConvCase k_slices_case() { return {"", {4, 3, 16, 16, 8, 3, 3, 1, 1, 1, 1}}; }

}  // namespace

void add_conv2d_checks(std::vector<Check>& checks) {
  // Every pass that multiplies runs on both GEMM paths, whatever this device would pick, so that
  // verify covers every kernel variant on every device; the bias gradient has one kernel.
  auto add = [&checks](const ConvCase& c, Pass pass, bool accumulate, std::uint32_t seed) {
    if (pass == Pass::BackwardBias) {
      checks.push_back({op_name(pass), describe(c, accumulate, GemmPath::Auto), [=](vkrt::Context& context) {
                          return check_conv(context, c, pass, accumulate, seed, GemmPath::Auto);
                        }});
      return;
    }
    for (GemmPath path : {GemmPath::Tiled, GemmPath::Texel})
      checks.push_back({op_name(pass), describe(c, accumulate, path), [=](vkrt::Context& context) {
                          return check_conv(context, c, pass, accumulate, seed, path);
                        }});
  };
  const auto all = cases();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::uint32_t seed = 2000 + 10 * static_cast<std::uint32_t>(i);
    for (Pass pass : {Pass::Forward, Pass::BackwardData, Pass::BackwardWeight, Pass::BackwardBias})
      add(all[i], pass, false, seed);
  }
  add(big_grid_case(), Pass::Forward, false, 2900);
  add(k_slices_case(), Pass::BackwardWeight, false, 2950);
  add(k_slices_case(), Pass::BackwardWeight, true, 2960);
  // Accumulate (dw += sum, db += sum) over a prefilled output.
  for (std::size_t i : {std::size_t{5}, std::size_t{6}, std::size_t{8}}) {
    const std::uint32_t seed = 3000 + 10 * static_cast<std::uint32_t>(i);
    for (Pass pass : {Pass::BackwardWeight, Pass::BackwardBias}) add(all[i], pass, true, seed);
  }
}

}  // namespace alexnet::verify
