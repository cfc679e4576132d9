// The network's input from a batch's bytes: x = (byte - mean[c]) * scale[c], in float, per
// channel c of (N, C, H, W) pixels. The loader's float path computes exactly this on the host
// (model/data/augment.h), so bytes normalised on the device give the same floats bit for bit;
// the reference therefore computes in float, not in double.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace alexnet::ref {

// pixels: (N, C, plane) bytes, mean and scale: (C) -> (N, C, plane) floats.
std::vector<float> normalize_input(std::span<const std::uint8_t> pixels, std::size_t plane,
                                   std::span<const float> mean, std::span<const float> scale);

}  // namespace alexnet::ref
