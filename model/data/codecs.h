// Internal to model/data: the format-specific decoders behind decode_image(). Each expects bytes
// whose magic it has already been chosen for, and throws DataError naming `name`.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "model/data/image.h"

namespace alexnet::data::detail {

Image decode_png(std::span<const uint8_t> bytes, const std::string& name);
Image decode_jpeg(std::span<const uint8_t> bytes, const std::string& name, int min_short_side);

}  // namespace alexnet::data::detail
