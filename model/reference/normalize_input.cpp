#include "model/reference/normalize_input.h"

#include "model/reference/require.h"

namespace alexnet::ref {

std::vector<float> normalize_input(std::span<const std::uint8_t> pixels, std::size_t plane,
                                   std::span<const float> mean, std::span<const float> scale) {
  const char* op = "normalize_input";
  const std::size_t channels = mean.size();
  detail::require(channels > 0 && plane > 0, op, "needs at least one channel and one pixel per plane");
  detail::require_size(op, "scale", scale.size(), channels);
  detail::require(pixels.size() % (channels * plane) == 0, op, "pixels are not a whole number of images");
  std::vector<float> out(pixels.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const std::size_t c = i / plane % channels;
    out[i] = (static_cast<float>(pixels[i]) - mean[c]) * scale[c];
  }
  return out;
}

}  // namespace alexnet::ref
