// IEEE binary16 (fp16) on the host: the storage format of --precision fp16. Conversions round to
// nearest, ties to even, as the GPU's float -> float16_t conversion does (SPIR-V OpFConvert with
// the default rounding); values past 65504 become infinities, tiny ones subnormals or zero.
// One exception found on llvmpipe (Mesa 22.3.6): a texel fetch stored straight to fp16 rounds
// toward zero, so shaders/to_half.comp reads a storage buffer (verify's to_half checks).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace alexnet::ref {

std::uint16_t float_to_half(float value);
float half_to_float(std::uint16_t bits);

std::vector<std::uint16_t> to_half(std::span<const float> values);
std::vector<float> from_half(std::span<const std::uint16_t> bits);
// Each value rounded to fp16 and back: what storing it in 16 bits leaves.
std::vector<float> round_to_half(std::span<const float> values);

// fp16's unit roundoff: storing x in 16 bits gives x (1 + d) with |d| <= 2^-11 (11-bit significand)
// while x is in the normal range (|x| >= 2^-14); below that the error is at most 2^-25 absolute.
inline constexpr double kHalfUnitRoundoff = 1.0 / 2048.0;
inline constexpr double kHalfSubnormalStep = 1.0 / 33554432.0;  // 2^-25, half the smallest subnormal

}  // namespace alexnet::ref
