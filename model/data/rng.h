// The pipeline's random numbers. Everything that must be reproducible (the epoch order, the crop
// position, the flip, the PCA colour shift) is drawn from this generator, whose every output is
// specified here: std::uniform_int_distribution, std::normal_distribution and std::shuffle are
// implementation-defined, so the same seed would give different epochs under libstdc++ and libc++.
#pragma once

#include <cmath>
#include <cstdint>

namespace alexnet::data {

// SplitMix64's finaliser: a bijective 64-bit mix with good avalanche (Steele et al. 2014).
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A seed for the stream identified by (seed, a, b), e.g. (run seed, epoch, position in epoch).
// Chained mixing, so (1, 2, 3) and (2, 1, 3) give unrelated streams.
constexpr uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b = 0) {
  return mix64((mix64(mix64(seed + 0x9E3779B97F4A7C15ull) ^ a) + 0x632BE59BD9B4E019ull) ^ b);
}

// SplitMix64: tiny state, passes BigCrush, and cheap to create per example (one per crop), which
// is how augmentation stays independent of thread scheduling.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return mix64(state_);
  }

  // Uniform in [0, n), n > 0, without modulo bias (Lemire's multiply-and-reject).
  uint64_t below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Standard normal by Box-Muller (one of the pair is discarded: simpler state, and the
  // draw count per call stays fixed, which keeps streams easy to reason about).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t state_;
};

}  // namespace alexnet::data
