// The SPIR-V of every shader in shaders/, compiled by glslc at build time and linked in
// (see cmake/shaders.cmake). Looked up by the shader's file name without extension.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace vkrt {

// Empty span when no shader of that name was built.
std::span<const std::uint32_t> find_shader(std::string_view name);

}  // namespace vkrt
