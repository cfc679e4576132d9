// The checks shared by the GEMM-shaped ops, Conv2dOp and FcOp: each has the same four passes with
// the same arguments (forward, backward_data, backward_weight, backward_bias) and the same two GEMM
// paths, so one harness checks a pass of either against its reference; conv2d_checks.cpp and
// fc_checks.cpp bring only their shapes.
//
// Magnitudes: inputs are uniform in [-1, 1), weights scaled by 1/sqrt(fan-in) and the dy summed by
// the weight and bias gradients by 1/sqrt(summands), so every output is O(1) as in training.
// Unscaled sums of thousands of O(1) products would make the fp32 rounding of the GPU's sum
// (legitimately) exceed the absolute tolerance on outputs near zero.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/ops/gemm/texel_gemm.h"
#include "model/ops/precision.h"
#include "model/verify/check.h"
#include "model/verify/fp16_bound.h"
#include "model/verify/gpu_scratch.h"
#include "runtime/context.h"

namespace alexnet::verify {

enum class GemmPass { Forward, BackwardData, BackwardWeight, BackwardBias };
inline constexpr GemmPass kGemmPasses[] = {GemmPass::Forward, GemmPass::BackwardData, GemmPass::BackwardWeight,
                                           GemmPass::BackwardBias};

// "<family>.forward", "<family>.backward_data", ... (e.g. "fc.backward_weight").
std::string gemm_pass_name(const std::string& family, GemmPass pass);

// The reference's four passes for one op family (ref::conv2d_* or ref::fc_* at float).
template <class Shape>
struct GemmReference {
  using Span = std::span<const float>;
  std::vector<float> (*forward)(const Shape&, Span x, Span w, Span b);
  std::vector<float> (*backward_data)(const Shape&, Span dy, Span w);
  std::vector<float> (*backward_weight)(const Shape&, Span dy, Span x);
  std::vector<float> (*backward_bias)(const Shape&, Span dy);
};

// Element counts of one shape's tensors, and the scales above.
struct GemmTensors {
  std::size_t x, w, y, bias;
  float w_scale;       // weights uniform in [-w_scale, w_scale): 1/sqrt(fan-in)
  float dy_sum_scale;  // dy of the weight and bias gradients likewise: 1/sqrt(summands)
};

// What the shared checks need to know of one op family.
template <class Shape>
struct GemmFamily {
  const char* name;  // the checks' op prefix: "conv2d", "fc"
  GemmReference<Shape> reference;
  GemmTensors (*tensors)(const Shape&);
  std::string (*describe)(const Shape&);  // e.g. "N2 9216 -> 4096"
  bool (*texel_ok)(const Shape&);         // whether the texel path takes the shape
};

// One shape to check, with the AlexNet layer it is (or an empty label).
template <class Shape>
struct GemmCase {
  std::string label;
  Shape shape;
};

// One check's pass, form and inputs. Tensor seeds are seed + 1 (x), 2 (w), 3 (b), 4 (dy), 5 (the
// prefilled output of the accumulate form).
struct GemmCheckCase {
  GemmPass pass;
  bool accumulate;
  std::uint32_t seed;
  GemmPath path;
  std::string op, shape;  // the result's names
  Precision precision = Precision::Fp32;
};

// The paths a pass is checked on: a product on both GEMM paths whatever this device would pick
// (so that verify covers every kernel variant on every device), the texel path only when
// `texel_ok`; the bias gradient, which has one kernel, once on Auto.
std::vector<GemmPath> gemm_check_paths(GemmPass pass, bool texel_ok);

// A check's shape: the label, the family's description, then " acc" for the accumulate form and
// the GEMM path in brackets (none for Auto), e.g. "conv2 N2 96x27x27 -> 256 k5 s1 p2 g2 acc [texel]".
std::string gemm_check_shape(const std::string& label, const std::string& shape, bool accumulate, GemmPath path);

// a + b elementwise: the expected output of the accumulate form.
std::vector<float> plus(std::vector<float> a, const std::vector<float>& b);

// Runs one pass of Op (Conv2dOp or FcOp, built from (context, shape, path, precision)) on the GPU
// and compares it with the family's reference. At fp16 the activations (x, y, dy, dx) go in and
// come out in fp16 and the tolerance adds the storage-rounding bound of fp16_bound.h; the reference
// always runs on the unrounded inputs.
template <class Op, class Shape>
CheckResult check_gemm_pass(vkrt::Context& context, const Shape& s, const GemmFamily<Shape>& family,
                            const GemmCheckCase& c) {
  const bool half = c.precision == Precision::Fp16;
  if (half && !context.storage_16bit())
    return skipped_check(c.op, c.shape, "no 16-bit storage on this device (storageBuffer16BitAccess)");
  // The cooperative-matrix core rounds the fp32 weights to fp16 too (in shared memory): they count
  // as a second rounded operand of the forward and data-gradient products.
  const bool coopmat = c.path == GemmPath::CoopMat;
  if (coopmat && !context.coopmat().usable) return skipped_check(c.op, c.shape, context.coopmat().reason);
  const int weight_rounding = coopmat ? 1 : 0;
  auto weight_abs = [&](const std::vector<float>& w) { return coopmat ? padded_abs(w) : abs_values(w); };
  const GemmReference<Shape>& reference = family.reference;
  const GemmTensors n = family.tensors(s);
  GpuScratch gpu(context);
  Op op(context, s, c.path, c.precision);
  // Activations in the pass's precision; weights, biases and their gradients always fp32.
  auto act_in = [&](const std::vector<float>& v) -> const vkrt::Buffer& { return half ? gpu.input_half(v) : gpu.input(v); };
  auto act_out = [&](std::size_t count) -> const vkrt::Buffer& { return half ? gpu.output_half(count) : gpu.output(count); };
  auto act_read = [&](const vkrt::Buffer& b) { return half ? gpu.read_half(b) : gpu.read(b); };
  // The result, with the fp16 bound from S = `abs_sums` (computed only at fp16) when `half`.
  auto result = [&](const std::vector<float>& got, const std::vector<float>& expected, auto abs_sums, int rounded,
                    bool output_fp16) {
    if (!half) return compare(c.op, c.shape, got, expected, kReductionTolerance);
    const auto bound = fp16_storage_bound(abs_sums(), rounded, expected, output_fp16);
    return compare_within(c.op, c.shape, got, expected, kReductionTolerance, bound);
  };
  const std::uint32_t seed = c.seed;
  switch (c.pass) {
    case GemmPass::Forward: {
      const auto x = random_uniform(n.x, seed + 1);
      const auto w = random_uniform(n.w, seed + 2, -n.w_scale, n.w_scale);
      const auto b = random_uniform(n.bias, seed + 3, -0.1f, 0.1f);
      const auto &x_gpu = act_in(x), &w_gpu = gpu.input(w), &b_gpu = gpu.input(b);
      const auto& y_gpu = act_out(n.y);
      gpu.run([&](vkrt::Stream& st) { op.forward(st, x_gpu, w_gpu, b_gpu, y_gpu); });
      auto sums = [&] { return reference.forward(s, padded_abs(x), weight_abs(w), std::vector<float>(n.bias, 0.0f)); };
      return result(act_read(y_gpu), reference.forward(s, x, w, b), sums, 1 + weight_rounding, true);
    }
    case GemmPass::BackwardData: {
      const auto w = random_uniform(n.w, seed + 2, -n.w_scale, n.w_scale);
      const auto dy = random_uniform(n.y, seed + 4);
      const auto &w_gpu = gpu.input(w), &dy_gpu = act_in(dy);
      const auto& dx_gpu = act_out(n.x);
      gpu.run([&](vkrt::Stream& st) { op.backward_data(st, dy_gpu, w_gpu, dx_gpu); });
      auto sums = [&] { return reference.backward_data(s, padded_abs(dy), weight_abs(w)); };
      return result(act_read(dx_gpu), reference.backward_data(s, dy, w), sums, 1 + weight_rounding, true);
    }
    case GemmPass::BackwardWeight: {
      const auto x = random_uniform(n.x, seed + 1);
      const auto dy = random_uniform(n.y, seed + 4, -n.dy_sum_scale, n.dy_sum_scale);
      const auto &x_gpu = act_in(x), &dy_gpu = act_in(dy);
      const auto prev = c.accumulate ? random_uniform(n.w, seed + 5) : std::vector<float>{};
      const auto& dw_gpu = c.accumulate ? gpu.input(prev) : gpu.output(n.w);
      gpu.run([&](vkrt::Stream& st) { op.backward_weight(st, dy_gpu, x_gpu, dw_gpu, c.accumulate); });
      auto expected = reference.backward_weight(s, dy, x);
      if (c.accumulate) expected = plus(std::move(expected), prev);
      auto sums = [&] { return reference.backward_weight(s, padded_abs(dy), padded_abs(x)); };
      return result(gpu.read(dw_gpu), expected, sums, 2, false);
    }
    case GemmPass::BackwardBias: {
      const auto dy = random_uniform(n.y, seed + 4, -n.dy_sum_scale, n.dy_sum_scale);
      const auto& dy_gpu = act_in(dy);
      const auto prev = random_uniform(n.bias, seed + 5);
      const auto& db_gpu = c.accumulate ? gpu.input(prev) : gpu.output(n.bias);
      gpu.run([&](vkrt::Stream& st) { op.backward_bias(st, dy_gpu, db_gpu, c.accumulate); });
      auto expected = reference.backward_bias(s, dy);
      if (c.accumulate) expected = plus(std::move(expected), prev);
      auto sums = [&] { return reference.backward_bias(s, padded_abs(dy)); };
      return result(gpu.read(db_gpu), expected, sums, 1, false);
    }
  }
  return {};
}

// Appends the checks of one pass of Op at one case, on every path gemm_check_paths gives, and with
// `fp16` once more on each of those paths with fp16 activations, its shape marked "[tiled fp16]"
// or "[texel fp16]" ("[fp16]" for the bias gradient), and once on the cooperative-matrix path ("[coopmat fp16]"),
// which a device without cooperative matrices reports as skipped.
template <class Op, class Shape>
void add_gemm_checks(std::vector<Check>& checks, const GemmFamily<Shape>& family, const GemmCase<Shape>& c,
                     GemmPass pass, bool accumulate, std::uint32_t seed, bool fp16 = true) {
  auto add = [&](GemmPath path, Precision precision) {
    std::string shape = gemm_check_shape(c.label, family.describe(c.shape), accumulate, path);
    if (precision == Precision::Fp16) {
      if (shape.back() == ']') shape.insert(shape.size() - 1, " fp16");
      else shape += " [fp16]";
    }
    GemmCheckCase id{pass, accumulate, seed, path, gemm_pass_name(family.name, pass), shape, precision};
    checks.push_back({id.op, id.shape, [family, shape = c.shape, id](vkrt::Context& context) {
                        return check_gemm_pass<Op>(context, shape, family, id);
                      }});
  };
  const std::vector<GemmPath> paths = gemm_check_paths(pass, family.texel_ok(c.shape));
  for (GemmPath path : paths) add(path, Precision::Fp32);
  if (fp16)
    for (GemmPath path : paths) add(path, Precision::Fp16);
  if (fp16 && pass != GemmPass::BackwardBias) add(GemmPath::CoopMat, Precision::Fp16);
}

}  // namespace alexnet::verify
