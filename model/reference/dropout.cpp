#include "model/reference/dropout.h"

#include <stdexcept>
#include <string>

#include "model/reference/require.h"

namespace alexnet::ref {

namespace {

// High and low 32 bits of the 64-bit product a * b.
void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(product >> 32);
  lo = static_cast<std::uint32_t>(product);
}

// Random123's philox4x32round.
std::array<std::uint32_t, 4> philox_round(const std::array<std::uint32_t, 4>& ctr,
                                          const std::array<std::uint32_t, 2>& key) {
  std::uint32_t hi0, lo0, hi1, lo1;
  mulhilo(Philox4x32::M0, ctr[0], hi0, lo0);
  mulhilo(Philox4x32::M1, ctr[2], hi1, lo1);
  return {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
}

void require_probability(const char* op, float p) {
  // Written so that NaN fails too. p == 1 is rejected: its scale 1/(1-p) is infinite.
  detail::require(p >= 0.0f && p < 1.0f, op, "p must be in [0, 1), got " + std::to_string(p));
}

template <class T>
std::vector<T> apply_mask(std::span<const T> in, float p, std::uint32_t seed, std::uint32_t step) {
  const T scale = T(1) / (T(1) - T(p));
  std::vector<T> out(in.size());
  for (std::size_t i = 0; i < in.size(); ++i)
    out[i] = dropout_keep(i, p, seed, step) ? in[i] * scale : T(0);
  return out;
}

}  // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key) {
  for (int round = 0; round < Philox4x32::rounds; ++round) {
    if (round > 0) {  // the first round uses the key as given
      key[0] += Philox4x32::W0;
      key[1] += Philox4x32::W1;
    }
    counter = philox_round(counter, key);
  }
  return counter;
}

bool dropout_keep(std::uint64_t i, float p, std::uint32_t seed, std::uint32_t step) {
  const std::uint32_t r =
      philox4x32_10({static_cast<std::uint32_t>(i >> 2), 0u, 0u, 0u}, {seed, step})[i & 3];
  const float u = static_cast<float>(r >> 8) * 0x1p-24f;
  return u >= p;
}

template <class T>
std::vector<T> dropout_forward(std::span<const T> x, float p, std::uint32_t seed,
                               std::uint32_t step) {
  require_probability("dropout_forward", p);
  return apply_mask(x, p, seed, step);
}

template <class T>
std::vector<T> dropout_backward(std::span<const T> dy, float p, std::uint32_t seed,
                                std::uint32_t step) {
  require_probability("dropout_backward", p);
  return apply_mask(dy, p, seed, step);
}

#define ALEXNET_REF_INSTANTIATE_DROPOUT(T)                                                     \
  template std::vector<T> dropout_forward<T>(std::span<const T>, float, std::uint32_t,         \
                                             std::uint32_t);                                   \
  template std::vector<T> dropout_backward<T>(std::span<const T>, float, std::uint32_t,        \
                                              std::uint32_t);

ALEXNET_REF_INSTANTIATE_DROPOUT(float)
ALEXNET_REF_INSTANTIATE_DROPOUT(double)
#undef ALEXNET_REF_INSTANTIATE_DROPOUT

}  // namespace alexnet::ref
