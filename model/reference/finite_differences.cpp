#include "model/reference/finite_differences.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "model/reference/require.h"

namespace alexnet::ref {

namespace {

// A double in [0, 1) with 53 random bits (MT's genrand_res53). std::uniform_real_distribution
// is not used because its output differs between standard libraries.
double next_unit(std::mt19937& rng) {
  const std::uint32_t a = rng() >> 5, b = rng() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

// A uniform integer in [0, bound), bound > 0, without modulo bias.
std::size_t next_below(std::mt19937& rng, std::size_t bound) {
  return std::min(static_cast<std::size_t>(next_unit(rng) * static_cast<double>(bound)),
                  bound - 1);
}

}  // namespace

std::vector<double> random_uniform(std::size_t count, std::uint32_t seed, double lo, double hi) {
  std::mt19937 rng(seed);
  std::vector<double> v(count);
  for (double& x : v) x = lo + (hi - lo) * next_unit(rng);
  return v;
}

std::vector<double> random_away_from_zero(std::size_t count, std::uint32_t seed, double min_abs,
                                          double max_abs) {
  std::mt19937 rng(seed);
  std::vector<double> v(count);
  for (double& x : v) {
    const double magnitude = min_abs + (max_abs - min_abs) * next_unit(rng);
    x = (rng() & 1u) ? magnitude : -magnitude;
  }
  return v;
}

std::vector<double> random_distinct(std::size_t count, std::uint32_t seed, double spacing) {
  std::mt19937 rng(seed);
  std::vector<double> v(count);
  for (std::size_t k = 0; k < count; ++k)
    v[k] = (static_cast<double>(k) - static_cast<double>(count / 2)) * spacing;
  for (std::size_t k = count; k > 1; --k) std::swap(v[k - 1], v[next_below(rng, k)]);
  return v;
}

std::vector<std::size_t> sample_indices(std::size_t count, std::size_t max_samples,
                                        std::uint32_t seed) {
  std::vector<std::size_t> all(count);
  for (std::size_t k = 0; k < count; ++k) all[k] = k;
  if (count <= max_samples) return all;
  // Partial Fisher-Yates: the first max_samples entries become a uniform random subset.
  std::mt19937 rng(seed);
  for (std::size_t k = 0; k < max_samples; ++k)
    std::swap(all[k], all[k + next_below(rng, count - k)]);
  all.resize(max_samples);
  std::sort(all.begin(), all.end());
  return all;
}

std::string CompareResult::describe() const {
  std::ostringstream out;
  out.precision(17);
  out << failures << "/" << compared << " elements out of tolerance";
  if (compared > 0)
    out << "; worst [" << worst << "]: got " << worst_got << ", want " << worst_want
        << ", |diff|/tolerance = " << worst_ratio;
  return out.str();
}

namespace {

// Folds one element into the result.
void account(CompareResult& result, std::size_t index, double got, double want, double atol,
             double rtol) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double ratio = kInf;
  if (got == want) {
    ratio = 0.0;  // also the same infinity on both sides; NaN never compares equal
  } else if (std::isfinite(got) && std::isfinite(want)) {
    const double tolerance = atol + rtol * std::abs(want);
    ratio = tolerance > 0.0 ? std::abs(got - want) / tolerance : kInf;
  }
  ++result.compared;
  if (ratio > 1.0) ++result.failures;
  if (result.compared == 1 || ratio > result.worst_ratio) {
    result.worst = index;
    result.worst_got = got;
    result.worst_want = want;
    result.worst_ratio = ratio;
  }
}

}  // namespace

template <class T>
CompareResult compare(std::span<const T> got, std::span<const T> want, double atol, double rtol) {
  detail::require_size("compare", "got", got.size(), want.size());
  CompareResult result;
  for (std::size_t i = 0; i < got.size(); ++i)
    account(result, i, static_cast<double>(got[i]), static_cast<double>(want[i]), atol, rtol);
  return result;
}

template CompareResult compare<float>(std::span<const float>, std::span<const float>, double,
                                      double);
template CompareResult compare<double>(std::span<const double>, std::span<const double>, double,
                                       double);

CompareResult compare_gradient(
    const std::function<std::vector<double>(std::span<const double>)>& f,
    std::span<const double> x, std::span<const double> r, std::span<const double> analytic,
    std::span<const std::size_t> indices, const FiniteDifferenceOptions& options) {
  const char* op = "compare_gradient";
  detail::require_size(op, "analytic", analytic.size(), x.size());
  std::vector<double> probe(x.begin(), x.end());
  const auto loss = [&] {
    const std::vector<double> y = f(probe);
    detail::require_size(op, "f(x)", y.size(), r.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) sum += r[i] * y[i];
    return sum;
  };
  CompareResult result;
  for (const std::size_t k : indices) {
    detail::require(k < x.size(), op, "index " + std::to_string(k) + " is out of range");
    // Divide by the step actually taken: x + h and x - h are rounded, 2h is not their distance.
    const double up = x[k] + options.h, down = x[k] - options.h;
    probe[k] = up;
    const double plus = loss();
    probe[k] = down;
    const double minus = loss();
    probe[k] = x[k];
    const double numeric = (plus - minus) / (up - down);
    account(result, k, analytic[k], numeric, options.atol, options.rtol);
  }
  return result;
}

}  // namespace alexnet::ref
