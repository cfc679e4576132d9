// Just enough SPIR-V reflection to enforce the dispatch contract: how many buffers a compute
// shader binds (set 0) and how large its push-constant block is. It also enforces the project
// rule that push constants are 4-byte scalars only, which keeps the C++ mirror structs trivially
// layout-compatible with std430/push-constant layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vkrt {

enum class BindingKind { StorageBuffer, UniformTexelBuffer, StorageTexelBuffer };

struct ShaderInterface {
  std::vector<BindingKind> bindings;  // index = binding number, dense from 0
  std::uint32_t push_constant_bytes = 0;
};

// Throws vkrt::Error naming `shader_name` when the module breaks the rules (bindings not dense
// from 0, a set other than 0, a push-constant member that is not a 32-bit scalar).
ShaderInterface reflect_compute_shader(std::span<const std::uint32_t> words, const std::string& shader_name);

}  // namespace vkrt
