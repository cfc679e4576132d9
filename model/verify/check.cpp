#include "model/verify/check.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>

#include "runtime/environment.h"

namespace alexnet::verify {

CheckResult compare(std::string op, std::string shape, std::span<const float> gpu, std::span<const float> ref,
                    Tolerance tolerance) {
  return compare_within(std::move(op), std::move(shape), gpu, ref, tolerance, {});
}

CheckResult skipped_check(std::string op, std::string shape, std::string reason) {
  CheckResult r;
  r.op = std::move(op);
  r.shape = std::move(shape);
  r.skipped = true;
  r.skip_reason = std::move(reason);
  return r;
}

CheckResult compare_within(std::string op, std::string shape, std::span<const float> gpu,
                           std::span<const float> ref, Tolerance tolerance, std::span<const double> extra) {
  CheckResult r;
  r.op = std::move(op);
  r.shape = std::move(shape);
  r.tolerance = tolerance;
  r.elements = ref.size();
  if (gpu.size() != ref.size() || (!extra.empty() && extra.size() != ref.size())) {
    r.error = "GPU output has " + std::to_string(gpu.size()) + " elements, reference " + std::to_string(ref.size());
    return r;
  }
  // ALEXNET_VK_VERIFY_DUMP=<text>: print every element of the checks whose op and shape contain
  // <text> (for chasing a driver-specific failure on a machine one cannot debug on directly).
  if (const std::string& dump = vkrt::switches().verify_dump;
      !dump.empty() && (r.op + " " + r.shape).find(dump) != std::string::npos) {
    std::fprintf(stderr, "dump %s %s: %zu elements (index gpu reference)\n", r.op.c_str(), r.shape.c_str(), ref.size());
    for (std::size_t i = 0; i < ref.size() && i < 256; ++i)
      std::fprintf(stderr, "  %zu %.9g %.9g\n", i, static_cast<double>(gpu[i]), static_cast<double>(ref[i]));
  }
  const double tiny = tolerance.atol / tolerance.rtol;
  double worst_ratio = -1;
  bool all_within = true;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double g = gpu[i], e = ref[i];
    const double diff = std::fabs(g - e);
    const double allowed = tolerance.atol + tolerance.rtol * std::fabs(e) + (extra.empty() ? 0.0 : extra[i]);
    // A NaN compares false everywhere: count it as infinitely wrong.
    const double ratio = !std::isfinite(g) ? INFINITY : diff == 0 ? 0.0 : diff / allowed;
    if (!(ratio <= 1.0)) {
      all_within = false;
      ++r.bad_elements;
    }
    if (std::isfinite(g)) {
      r.max_abs_err = std::max(r.max_abs_err, diff);
      r.max_rel_err = std::max(r.max_rel_err, diff / std::max(std::fabs(e), tiny));
    } else {
      r.max_abs_err = r.max_rel_err = INFINITY;
    }
    if (ratio > worst_ratio || std::isnan(g)) {
      worst_ratio = std::isnan(g) ? INFINITY : ratio;
      r.worst_index = i;
      r.worst_gpu = g;
      r.worst_ref = e;
      r.worst_allowed = allowed;
    }
  }
  r.pass = all_within;
  return r;
}

namespace {

// How far past (or short of) its tolerance a result's worst element is; failures rank first.
double badness(const CheckResult& r) {
  if (!r.error.empty() || !std::isfinite(r.worst_gpu)) return INFINITY;
  if (r.skipped) return -1;  // a skipped part never stands for the whole
  const double allowed = r.worst_allowed > 0 ? r.worst_allowed
                                             : r.tolerance.atol + r.tolerance.rtol * std::fabs(r.worst_ref);
  const double ratio = std::fabs(r.worst_gpu - r.worst_ref) / allowed;
  return r.pass ? ratio : 1.0 + ratio;
}

}  // namespace

CheckResult worse(CheckResult a, CheckResult b) { return badness(b) > badness(a) ? b : a; }

CheckResult run_check(const Check& check, vkrt::Context& context) {
  try {
    return check.run(context);
  } catch (const std::exception& e) {
    CheckResult r;
    r.op = check.op;
    r.shape = check.shape;
    r.error = e.what();
    return r;
  }
}

std::vector<float> random_uniform(std::size_t count, std::uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> out(count);
  for (auto& v : out) v = dist(rng);
  return out;
}

std::vector<float> random_away_from_zero(std::size_t count, std::uint32_t seed, float gap) {
  auto out = random_uniform(count, seed);
  for (auto& v : out)
    if (std::fabs(v) < gap) v = v < 0 ? -gap - std::fabs(v) : gap + v;
  return out;
}

std::vector<Check> all_checks() {
  std::vector<Check> checks;
  add_activation_checks(checks);
  add_conv2d_checks(checks);
  add_fc_checks(checks);
  add_lrn_checks(checks);
  add_maxpool_checks(checks);
  add_dropout_checks(checks);
  add_softmax_xent_checks(checks);
  add_sgd_checks(checks);
  add_normalize_input_checks(checks);
  add_adaptive_avgpool_checks(checks);
  add_fp16_element_checks(checks);
  add_loss_scale_checks(checks);
  return checks;
}

}  // namespace alexnet::verify
