// The tolerance of a check whose tensors are stored in fp16 (--precision fp16), derived from the
// storage rounding rather than tuned.
//
// The rule. Storing v in fp16 leaves v' with |v' - v| <= u (|v| + 2^-14), u = 2^-11 the unit
// roundoff: u|v| in the normal range, and at most 2^-25 (half the subnormal step 2^-24) below it.
// A pass computes outputs y_i = sum_k a_k b_k (+ an fp32 bias), accumulated in fp32, from inputs
// of which r operands (1 or 2) were stored in fp16. Each product then moves by at most
//   r = 1:  u (|a_k| + 2^-14) |b_k|
//   r = 2:  2u (1 + u) (|a_k| + 2^-14) (|b_k| + 2^-14)
// so |y_i' - y_i| <= r u (1 + u) S_i with S_i the same pass applied to the padded absolute values
// (|v| + 2^-14 for each fp16 operand, |v| for an fp32 one, no bias): the reference computes S_i
// exactly as it computes y_i. When y itself is stored in fp16, its rounding adds
// u (|y_i| + that bound + 2^-14). The fp32 accumulation keeps its usual tolerance on top
// (compare_within adds this bound per element to atol + rtol |ref|). The reference runs on the
// unrounded fp32 inputs, so the check covers the rounding of inputs and output as well as the
// kernel's arithmetic.
#pragma once

#include <cmath>
#include <span>
#include <vector>

#include "model/reference/half.h"

namespace alexnet::verify {

// 2^-14: the padding that turns the relative bound u|v| into one valid for subnormals too.
inline constexpr float kHalfPad = 1.0f / 16384.0f;

// |v| + 2^-14 for an operand stored in fp16.
inline std::vector<float> padded_abs(std::span<const float> values) {
  std::vector<float> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = std::fabs(values[i]) + kHalfPad;
  return out;
}

// |v| for an operand kept in fp32.
inline std::vector<float> abs_values(std::span<const float> values) {
  std::vector<float> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = std::fabs(values[i]);
  return out;
}

// The per-element bound of the rule above: `abs_sums` is S_i, `rounded_operands` r, `ref` y_i,
// `output_fp16` whether y is stored in fp16.
inline std::vector<double> fp16_storage_bound(std::span<const float> abs_sums, int rounded_operands,
                                              std::span<const float> ref, bool output_fp16) {
  const double u = ref::kHalfUnitRoundoff;
  std::vector<double> out(abs_sums.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    double bound = rounded_operands * u * (1 + u) * abs_sums[i];
    if (output_fp16) bound += u * (std::fabs(ref[i]) + bound + kHalfPad);
    out[i] = bound;
  }
  return out;
}

}  // namespace alexnet::verify

namespace alexnet::verify {

// The rule for the element ops at fp16 (activation, dropout, LRN, max-pool, softmax): their fp16
// variants load the stored 16-bit values, compute in fp32 exactly as the fp32 variants do, and
// round the result once when storing it. So a check hands the op fp16-rounded inputs, runs the
// reference on those same rounded values, and allows, on top of the fp32 tolerance, only the
// output's rounding: |y' - y| <= u (|y| + 2^-14) (the rule above with no sums: r = 0). A pass
// whose reference recomputes an intermediate the GPU reads stored (LRN backward's y) adds that
// value's rounding, propagated by hand where the check says so.
inline std::vector<double> fp16_output_bound(std::span<const float> ref) {
  const std::vector<float> no_sums(ref.size(), 0.0f);
  return fp16_storage_bound(no_sums, 0, ref, true);
}

}  // namespace alexnet::verify
