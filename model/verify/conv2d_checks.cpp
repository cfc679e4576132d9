// Convolution, all four passes, against model/reference/conv2d.h (by the shared harness in
// gemm_op_checks.h, which also says how inputs are scaled): the five AlexNet layers at batch 2
// and small awkward shapes (batch 1 and 3, odd sizes, stride 2 and 3, groups 2, a 1x1 kernel,
// asymmetric and one-sided padding, a non-square kernel, a kernel larger than the input, a grid
// too big for one workgroup-count axis), plus the accumulate form of both gradient sums.
#include <cmath>
#include <string>

#include "model/ops/conv2d.h"
#include "model/reference/conv2d.h"
#include "model/verify/check.h"
#include "model/verify/gemm_op_checks.h"

namespace alexnet::verify {
namespace {

using ConvCase = GemmCase<ref::Conv2dShape>;

// e.g. "N2 96x27x27 -> 256 k5 s1 p2 g2"; "p0/3" is pad before / after.
std::string describe(const ref::Conv2dShape& s) {
  // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string out;
  auto add = [&out](const char* text, int value) {
    out += text;
    out += std::to_string(value);
  };
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
  return out;
}

GemmTensors tensors(const ref::Conv2dShape& s) {
  GemmTensors n;
  n.x = std::size_t(s.n) * s.c_in * s.h * s.w;
  n.w = std::size_t(s.c_out) * (s.c_in / s.groups) * s.kh * s.kw;
  n.y = std::size_t(s.n) * s.c_out * s.out_h() * s.out_w();
  n.bias = std::size_t(s.c_out);
  n.w_scale = 1.0f / std::sqrt(float(s.c_in / s.groups * s.kh * s.kw));
  n.dy_sum_scale = 1.0f / std::sqrt(float(s.n * s.out_h() * s.out_w()));
  return n;
}

const GemmFamily<ref::Conv2dShape> kConv2d{
    "conv2d",
    {ref::conv2d_forward<float>, ref::conv2d_backward_data<float>, ref::conv2d_backward_weight<float>,
     ref::conv2d_backward_bias<float>},
    tensors,
    describe,
    [](const ref::Conv2dShape&) { return true; },
};

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
  auto add = [&checks](const ConvCase& c, GemmPass pass, bool accumulate, std::uint32_t seed, bool fp16 = true) {
    add_gemm_checks<Conv2dOp>(checks, kConv2d, c, pass, accumulate, seed, fp16);
  };
  const auto all = cases();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::uint32_t seed = 2000 + 10 * static_cast<std::uint32_t>(i);
    for (GemmPass pass : kGemmPasses) add(all[i], pass, false, seed);
  }
  // fp32 only: the grid is the same at either precision, and the fp16 bound's second reference
  // pass over 16.8M outputs would double the check's CPU time.
  add(big_grid_case(), GemmPass::Forward, false, 2900, false);
  add(k_slices_case(), GemmPass::BackwardWeight, false, 2950);
  add(k_slices_case(), GemmPass::BackwardWeight, true, 2960);
  // Accumulate (dw += sum, db += sum) over a prefilled output.
  for (std::size_t i : {std::size_t{5}, std::size_t{6}, std::size_t{8}}) {
    const std::uint32_t seed = 3000 + 10 * static_cast<std::uint32_t>(i);
    for (GemmPass pass : {GemmPass::BackwardWeight, GemmPass::BackwardBias}) add(all[i], pass, true, seed);
  }
}

}  // namespace alexnet::verify
