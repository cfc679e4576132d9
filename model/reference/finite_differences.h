// What the reference's own tests measure it with: seeded random tensors (portable: the same
// values with every standard library), a tolerance comparison that reports the worst element,
// and the comparison of a backward pass with central differences of its forward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace alexnet::ref {

// (count) values uniform in [lo, hi), from std::mt19937 seeded with `seed`, 53 bits per value.
std::vector<double> random_uniform(std::size_t count, std::uint32_t seed, double lo = -1.0,
                                   double hi = 1.0);

// (count) values with |v| uniform in [min_abs, max_abs] and a random sign: inputs kept away from
// the kink of ReLU at 0.
std::vector<double> random_away_from_zero(std::size_t count, std::uint32_t seed,
                                          double min_abs = 0.05, double max_abs = 1.0);

// (count) distinct values, a random permutation of (k - count/2) * spacing for k = 0..count-1:
// any two differ by at least `spacing`, so max-pool windows have no ties (nor near-ties that a
// finite-difference step could flip).
std::vector<double> random_distinct(std::size_t count, std::uint32_t seed, double spacing = 0.01);

// Every index of [0, count) if count <= max_samples, else max_samples distinct indices drawn
// with `seed`, sorted.
std::vector<std::size_t> sample_indices(std::size_t count, std::size_t max_samples,
                                        std::uint32_t seed);

// Outcome of an elementwise comparison: an element passes when
// |got - want| <= atol + rtol * |want|. `worst` is the element with the largest
// |got - want| / (atol + rtol * |want|); that ratio is `worst_ratio` (<= 1 everywhere means ok).
struct CompareResult {
  std::size_t compared = 0;
  std::size_t failures = 0;
  std::size_t worst = 0;
  double worst_got = 0.0, worst_want = 0.0, worst_ratio = 0.0;
  bool ok() const { return failures == 0; }
  std::string describe() const;  // "3/120 elements out of tolerance; worst [17]: got .., want .."
};

// got: (count), want: (count), the reference. Throws std::invalid_argument on a size mismatch.
// NaN or infinity in either side counts as a failure unless both are the same infinity.
template <class T>
CompareResult compare(std::span<const T> got, std::span<const T> want, double atol, double rtol);

// A backward pass against central differences of its forward. f maps an input x to an output y;
// the scalar probed is L(x) = sum_i r_i * f(x)_i, so `analytic` must be the backward of f applied
// to dy = r, i.e. dL/dx. For each index in `indices`, the numeric derivative
// (L(x + h e_k) - L(x - h e_k)) / 2h is compared with analytic[k] (as `got`) under atol/rtol.
struct FiniteDifferenceOptions {
  double h = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-6;
};
CompareResult compare_gradient(
    const std::function<std::vector<double>(std::span<const double>)>& f,
    std::span<const double> x, std::span<const double> r, std::span<const double> analytic,
    std::span<const std::size_t> indices, const FiniteDifferenceOptions& options = {});

}  // namespace alexnet::ref
