// Fully connected layer, all four passes, against model/reference/fc.h (by the shared harness in
// gemm_op_checks.h, which also says how inputs are scaled): fc6, fc7 and fc8 at batch 2 (fc6's
// 144 MiB weights exceed a 128 MiB maxStorageBufferRange and so exercise the two bindings of w and
// dw on such devices, lavapipe among them) and small awkward shapes, plus the accumulate form of
// both gradient sums.
#include <cmath>
#include <string>

#include "model/ops/fc.h"
#include "model/reference/fc.h"
#include "model/verify/check.h"
#include "model/verify/gemm_op_checks.h"

namespace alexnet::verify {
namespace {

using FcCase = GemmCase<ref::FcShape>;

// e.g. "N2 9216 -> 4096".
std::string describe(const ref::FcShape& s) {
  // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string out = "N";
  out += std::to_string(s.n);
  out += ' ';
  out += std::to_string(s.in);
  out += " -> ";
  out += std::to_string(s.out);
  return out;
}

GemmTensors tensors(const ref::FcShape& s) {
  GemmTensors n;
  n.x = std::size_t(s.n) * s.in;
  n.w = std::size_t(s.out) * s.in;
  n.y = std::size_t(s.n) * s.out;
  n.bias = std::size_t(s.out);
  n.w_scale = 1.0f / std::sqrt(float(s.in));
  n.dy_sum_scale = 1.0f / std::sqrt(float(s.n));
  return n;
}

const GemmFamily<ref::FcShape> kFc{
    "fc",
    {ref::fc_forward<float>, ref::fc_backward_data<float>, ref::fc_backward_weight<float>,
     ref::fc_backward_bias<float>},
    tensors,
    describe,
    [](const ref::FcShape& s) { return s.in % 4 == 0; },  // whole texels of x and w per row
};

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
  auto add = [&checks](const FcCase& c, GemmPass pass, bool accumulate, std::uint32_t seed) {
    add_gemm_checks<FcOp>(checks, kFc, c, pass, accumulate, seed);
  };
  const auto all = cases();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::uint32_t seed = 4000 + 10 * static_cast<std::uint32_t>(i);
    for (GemmPass pass : kGemmPasses) add(all[i], pass, false, seed);
  }
  // Accumulate (dw += sum, db += sum) over a prefilled output.
  for (std::size_t i : {std::size_t{2}, std::size_t{4}, std::size_t{5}, std::size_t{7}}) {
    const std::uint32_t seed = 5000 + 10 * static_cast<std::uint32_t>(i);
    for (GemmPass pass : {GemmPass::BackwardWeight, GemmPass::BackwardBias}) add(all[i], pass, true, seed);
  }
}

}  // namespace alexnet::verify
