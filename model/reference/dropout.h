// Inverted dropout (Srivastava et al.; the paper's dropout with the 0.5 test-time factor moved to
// training time): kept units are scaled by 1/(1-p) while training, so inference is the identity.
//
// The mask comes from a counter-based RNG, Philox4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011), so element i's decision is a pure function of
// (i, seed, step): the GPU shader recomputes it in backward instead of storing a mask, and the
// reference reproduces it bit for bit. For element i (0-based flat index) of a call keyed by
// (seed, step):
//
//   r    = philox4x32_10({uint32(i >> 2), 0, 0, 0}, {seed, step})[i & 3]
//   u    = float(r >> 8) * 2^-24        (24 bits: exact in float, u in [0, 1))
//   keep = u >= p
//
// so one Philox call serves four consecutive elements. Only the low 32 bits of i >> 2 enter the
// counter, i.e. masks repeat after 2^34 elements.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace alexnet::ref {

// The Philox4x32 constants (Random123's PHILOX_M4x32_0/1 and PHILOX_W32_0/1) and round count.
struct Philox4x32 {
  static constexpr std::uint32_t M0 = 0xD2511F53u;  // multiplier applied to counter word 0
  static constexpr std::uint32_t M1 = 0xCD9E8D57u;  // multiplier applied to counter word 2
  static constexpr std::uint32_t W0 = 0x9E3779B9u;  // key schedule increment, key word 0
  static constexpr std::uint32_t W1 = 0xBB67AE85u;  // key schedule increment, key word 1
  static constexpr int rounds = 10;
};

// One Philox4x32-10 block: 10 rounds, the key bumped by (W0, W1) between rounds.
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key);

// Whether element i survives a dropout call with drop probability p keyed by (seed, step).
bool dropout_keep(std::uint64_t i, float p, std::uint32_t seed, std::uint32_t step);

// x: (count) -> y: (count), y_i = keep_i ? x_i * scale : 0, scale = T(1) / (T(1) - T(p)).
// p must be in [0, 1), else std::invalid_argument; p == 0 gives y == x exactly.
// The scale is computed once in T and multiplied (not divided per element) so that a float
// shader doing the same two operations matches bit for bit.
template <class T>
std::vector<T> dropout_forward(std::span<const T> x, float p, std::uint32_t seed,
                               std::uint32_t step);

// dy: (count) -> dx: (count), dx_i = keep_i ? dy_i * scale : 0, the same mask and scale as the
// forward call with the same (p, seed, step).
template <class T>
std::vector<T> dropout_backward(std::span<const T> dy, float p, std::uint32_t seed,
                                std::uint32_t step);

}  // namespace alexnet::ref
