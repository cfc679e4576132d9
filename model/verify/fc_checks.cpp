// Fully connected layer, all four passes, against model/reference/fc.h: fc6, fc7 and fc8 at
// batch 2 (fc6's 144 MiB weights exceed a 128 MiB maxStorageBufferRange and so exercise the
// two bindings of w and dw on such devices, lavapipe among them) and small awkward shapes,
// plus the accumulate form of both gradient sums.
//
// Magnitudes as in conv2d_checks.cpp: weights scaled by 1/sqrt(In), gradients summed over the
// batch by 1/sqrt(N), so every output is O(1).
#include <cmath>
#include <string>

#include "model/ops/fc.h"
#include "model/reference/fc.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

enum class Pass { Forward, BackwardData, BackwardWeight, BackwardBias };

const char* op_name(Pass pass) {
  switch (pass) {
    case Pass::Forward: return "fc.forward";
    case Pass::BackwardData: return "fc.backward_data";
    case Pass::BackwardWeight: return "fc.backward_weight";
    case Pass::BackwardBias: return "fc.backward_bias";
  }
  return "";
}

struct FcCase {
  std::string label;  // the AlexNet layer, or empty
  ref::FcShape shape;
};

// e.g. "fc6 N2 9216 -> 4096 [texel]"; "acc" = accumulate; the bracket names the GEMM path (none
// for the bias gradient, which has one).
std::string describe(const FcCase& c, bool accumulate, GemmPath path) {
  // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string out = c.label;
  if (!out.empty()) out += ' ';
  out += 'N';
  out += std::to_string(c.shape.n);
  out += ' ';
  out += std::to_string(c.shape.in);
  out += " -> ";
  out += std::to_string(c.shape.out);
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
CheckResult check_fc(vkrt::Context& context, const FcCase& c, Pass pass, bool accumulate, std::uint32_t seed,
                     GemmPath path) {
  const ref::FcShape& s = c.shape;
  const std::size_t x_count = std::size_t(s.n) * s.in, w_count = std::size_t(s.out) * s.in;
  const std::size_t y_count = std::size_t(s.n) * s.out;
  const float w_scale = 1.0f / std::sqrt(float(s.in));
  const float dy_sum_scale = 1.0f / std::sqrt(float(s.n));
  const std::string op_str = op_name(pass), shape_str = describe(c, accumulate, path);

  GpuScratch gpu(context);
  FcOp op(context, s, path);
  switch (pass) {
    case Pass::Forward: {
      const auto x = random_uniform(x_count, seed + 1);
      const auto w = random_uniform(w_count, seed + 2, -w_scale, w_scale);
      const auto b = random_uniform(std::size_t(s.out), seed + 3, -0.1f, 0.1f);
      const auto &x_gpu = gpu.input(x), &w_gpu = gpu.input(w), &b_gpu = gpu.input(b);
      const auto& y_gpu = gpu.output(y_count);
      gpu.run([&](vkrt::Stream& st) { op.forward(st, x_gpu, w_gpu, b_gpu, y_gpu); });
      return compare(op_str, shape_str, gpu.read(y_gpu), ref::fc_forward<float>(s, x, w, b), kReductionTolerance);
    }
    case Pass::BackwardData: {
      const auto w = random_uniform(w_count, seed + 2, -w_scale, w_scale);
      const auto dy = random_uniform(y_count, seed + 4);
      const auto &w_gpu = gpu.input(w), &dy_gpu = gpu.input(dy);
      const auto& dx_gpu = gpu.output(x_count);
      gpu.run([&](vkrt::Stream& st) { op.backward_data(st, dy_gpu, w_gpu, dx_gpu); });
      return compare(op_str, shape_str, gpu.read(dx_gpu), ref::fc_backward_data<float>(s, dy, w),
                     kReductionTolerance);
    }
    case Pass::BackwardWeight: {
      const auto x = random_uniform(x_count, seed + 1);
      const auto dy = random_uniform(y_count, seed + 4, -dy_sum_scale, dy_sum_scale);
      const auto &x_gpu = gpu.input(x), &dy_gpu = gpu.input(dy);
      const auto prev = accumulate ? random_uniform(w_count, seed + 5) : std::vector<float>{};
      const auto& dw_gpu = accumulate ? gpu.input(prev) : gpu.output(w_count);
      gpu.run([&](vkrt::Stream& st) { op.backward_weight(st, dy_gpu, x_gpu, dw_gpu, accumulate); });
      auto expected = ref::fc_backward_weight<float>(s, dy, x);
      if (accumulate) expected = plus(std::move(expected), prev);
      return compare(op_str, shape_str, gpu.read(dw_gpu), expected, kReductionTolerance);
    }
    case Pass::BackwardBias: {
      const auto dy = random_uniform(y_count, seed + 4, -dy_sum_scale, dy_sum_scale);
      const auto& dy_gpu = gpu.input(dy);
      const auto prev = random_uniform(std::size_t(s.out), seed + 5);
      const auto& db_gpu = accumulate ? gpu.input(prev) : gpu.output(std::size_t(s.out));
      gpu.run([&](vkrt::Stream& st) { op.backward_bias(st, dy_gpu, db_gpu, accumulate); });
      auto expected = ref::fc_backward_bias<float>(s, dy);
      if (accumulate) expected = plus(std::move(expected), prev);
      return compare(op_str, shape_str, gpu.read(db_gpu), expected, kReductionTolerance);
    }
  }
  return {};
}

// FcShape fields: n, in, out.
std::vector<FcCase> cases() {
  return {
      {"fc6", {2, 9216, 4096}},
      {"fc7", {2, 4096, 4096}},
      {"fc8", {2, 4096, 1000}},
      {"", {1, 7, 5}},       // batch 1, odd sizes
      {"", {3, 67, 130}},    // batch 3, partial tiles everywhere
      {"", {130, 33, 1}},    // a batch larger than one tile, one output
      {"", {5, 1, 70000}},   // one input; 70000 bias-gradient workgroups spill into y
      // Shapes the texel path takes (In a multiple of 4):
      {"", {3, 68, 130}},    // Out not a multiple of 4: dy is repacked
      {"", {130, 32, 1}},    // one output, many rows
      {"", {128, 512, 10}},  // alexnet-small's fc8 at batch 128
      {"", {1, 4, 3}},       // the smallest
      {"", {4, 512, 3}},     // fc8's halves on two devices (7 classes), micro-batch 4
      {"", {4, 512, 4}},
  };
}

}  // namespace

void add_fc_checks(std::vector<Check>& checks) {
  // Every product runs on both GEMM paths where the shape allows (the texel path needs In to be a
  // multiple of 4), whatever this device would pick; the bias gradient has one kernel.
  auto add = [&checks](const FcCase& c, Pass pass, bool accumulate, std::uint32_t seed) {
    if (pass == Pass::BackwardBias) {
      checks.push_back({op_name(pass), describe(c, accumulate, GemmPath::Auto), [=](vkrt::Context& context) {
                          return check_fc(context, c, pass, accumulate, seed, GemmPath::Auto);
                        }});
      return;
    }
    for (GemmPath path : {GemmPath::Tiled, GemmPath::Texel}) {
      if (path == GemmPath::Texel && c.shape.in % 4 != 0) continue;
      checks.push_back({op_name(pass), describe(c, accumulate, path), [=](vkrt::Context& context) {
                          return check_fc(context, c, pass, accumulate, seed, path);
                        }});
    }
  };
  const auto all = cases();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::uint32_t seed = 4000 + 10 * static_cast<std::uint32_t>(i);
    for (Pass pass : {Pass::Forward, Pass::BackwardData, Pass::BackwardWeight, Pass::BackwardBias})
      add(all[i], pass, false, seed);
  }
  // Accumulate (dw += sum, db += sum) over a prefilled output.
  for (std::size_t i : {std::size_t{2}, std::size_t{4}, std::size_t{5}, std::size_t{7}}) {
    const std::uint32_t seed = 5000 + 10 * static_cast<std::uint32_t>(i);
    for (Pass pass : {Pass::BackwardWeight, Pass::BackwardBias}) add(all[i], pass, true, seed);
  }
}

}  // namespace alexnet::verify
