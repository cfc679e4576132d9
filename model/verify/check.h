// The op-check harness behind `alexnet_vk verify` and the op tests: each check runs one op pass
// on the GPU at one shape and compares it with the CPU reference in model/reference.
// A check passes when every element satisfies |gpu - ref| <= atol + rtol * |ref| and the GPU
// output is finite.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace vkrt {
class Context;
}

namespace alexnet::verify {

struct Tolerance {
  double atol = 1e-5;
  double rtol = 1e-4;
};
// Convolution and GEMM sum hundreds to thousands of products in a different order than the
// double-accumulating reference, so they get the wider tolerance.
inline constexpr Tolerance kElementwiseTolerance{1e-5, 1e-4};
inline constexpr Tolerance kReductionTolerance{1e-4, 1e-3};

struct CheckResult {
  std::string op;     // e.g. "conv2d.backward_weight"
  std::string shape;  // e.g. "conv2 N2 C96 27x27 k5 p2 g2"
  bool pass = false;
  double max_abs_err = 0;
  double max_rel_err = 0;  // |gpu - ref| / max(|ref|, atol / rtol): relative where |ref| is not tiny
  std::size_t bad_elements = 0;  // elements outside the tolerance (NaN and Inf included)
  std::size_t worst_index = 0;  // element that came closest to (or furthest past) its tolerance
  double worst_gpu = 0, worst_ref = 0;
  std::size_t elements = 0;
  Tolerance tolerance;
  double worst_allowed = 0;  // the worst element's allowed |gpu - ref| (with any per-element bound)
  std::string error;  // set when the check could not run (the check then fails)
  // A check this device cannot run (e.g. an fp16 variant without 16-bit storage): neither passed
  // nor failed, reported as skipped with the reason.
  bool skipped = false;
  std::string skip_reason;
};

// The result of a check that was not run on this device, saying why.
CheckResult skipped_check(std::string op, std::string shape, std::string reason);

// Compares one GPU output with its reference.
CheckResult compare(std::string op, std::string shape, std::span<const float> gpu, std::span<const float> ref,
                    Tolerance tolerance);
// The same, each element also allowed `extra[i]` more (a bound derived per element, such as the
// fp16 storage rounding of model/verify/fp16_bound.h): |gpu - ref| <= atol + rtol*|ref| + extra[i].
CheckResult compare_within(std::string op, std::string shape, std::span<const float> gpu,
                           std::span<const float> ref, Tolerance tolerance, std::span<const double> extra);

struct Check {
  std::string op;
  std::string shape;
  std::function<CheckResult(vkrt::Context&)> run;
};

// Every check, in a stable order: each op family appends its own (see *_checks.cpp).
std::vector<Check> all_checks();

// Runs one check, turning an exception into a failed result carrying its message.
CheckResult run_check(const Check& check, vkrt::Context& context);

// Of two results that make up one check (an output and its saved scale or argmax, w and v), the
// one to report: an error or a failure before a pass, else whose worst element comes closer to
// (or goes further past) its tolerance.
CheckResult worse(CheckResult a, CheckResult b);

// Deterministic inputs: uniform in [lo, hi) from a seed.
std::vector<float> random_uniform(std::size_t count, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f);
// Uniform in [lo, hi) but never within `gap` of zero (keeps ReLU away from its kink).
std::vector<float> random_away_from_zero(std::size_t count, std::uint32_t seed, float gap = 1e-3f);

// One adder per op family, each in its own file.
void add_activation_checks(std::vector<Check>& checks);
void add_conv2d_checks(std::vector<Check>& checks);
void add_fc_checks(std::vector<Check>& checks);
void add_lrn_checks(std::vector<Check>& checks);
void add_maxpool_checks(std::vector<Check>& checks);
void add_dropout_checks(std::vector<Check>& checks);
void add_softmax_xent_checks(std::vector<Check>& checks);
void add_sgd_checks(std::vector<Check>& checks);
void add_normalize_input_checks(std::vector<Check>& checks);
void add_adaptive_avgpool_checks(std::vector<Check>& checks);
// --precision fp16: the element ops' fp16 variants; the input conversion, the unscaling update and
// the overflow flag of dynamic loss scaling.
void add_fp16_element_checks(std::vector<Check>& checks);
void add_loss_scale_checks(std::vector<Check>& checks);

}  // namespace alexnet::verify

namespace alexnet::verify {
// Test names print the op and shape, not the bytes of the object.
inline void PrintTo(const Check& check, std::ostream* os) { *os << check.op << " [" << check.shape << "]"; }
}  // namespace alexnet::verify
