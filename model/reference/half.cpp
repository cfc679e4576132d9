#include "model/reference/half.h"

#include <bit>
#include <cmath>

namespace alexnet::ref {

std::uint16_t float_to_half(float value) {
  const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t sign = (f >> 16) & 0x8000u;
  const std::uint32_t magnitude = f & 0x7fffffffu;
  if (magnitude >= 0x7f800000u)  // infinity stays infinity; NaN stays a (quiet) NaN
    return static_cast<std::uint16_t>(sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x200u : 0u));
  // 65520 = 65504 + half an fp16 step: from there on, round to nearest gives infinity.
  if (magnitude >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (magnitude < 0x38800000u) {
    // Below 2^-14: a subnormal (or zero). Scale to units of 2^-24 and round half to even.
    const float scaled = std::fabs(value) * 16777216.0f;  // exact: a power-of-two scaling
    const float rounded = std::nearbyint(scaled);          // the default mode is ties to even
    return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(rounded));
  }
  // Normal: rebias the exponent (127 -> 15) and round the 23-bit significand to 10 bits, ties to
  // even; a carry out of the significand correctly bumps the exponent.
  const std::uint32_t rebased = magnitude - ((127u - 15u) << 23);
  const std::uint32_t lsb = (rebased >> 13) & 1u;
  const std::uint32_t rounded = (rebased + 0x0fffu + lsb) >> 13;
  return static_cast<std::uint16_t>(sign | rounded);
}

float half_to_float(std::uint16_t bits) {
  const std::uint32_t sign = std::uint32_t(bits & 0x8000u) << 16;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0) {
    const float magnitude = static_cast<float>(mantissa) / 16777216.0f;  // mantissa * 2^-24
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 127u - 15u) << 23) | (mantissa << 13));
}

std::vector<std::uint16_t> to_half(std::span<const float> values) {
  std::vector<std::uint16_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = float_to_half(values[i]);
  return out;
}

std::vector<float> from_half(std::span<const std::uint16_t> bits) {
  std::vector<float> out(bits.size());
  for (std::size_t i = 0; i < bits.size(); ++i) out[i] = half_to_float(bits[i]);
  return out;
}

std::vector<float> round_to_half(std::span<const float> values) {
  std::vector<float> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = half_to_float(float_to_half(values[i]));
  return out;
}

}  // namespace alexnet::ref
