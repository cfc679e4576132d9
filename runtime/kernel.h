// A compute kernel: shader module + descriptor-set layout + pipeline layout + pipeline, built once
// from an embedded shader and its specialization constants.
//
// Specialization-constant ids, by convention in every shader:
//   0, 1, 2   workgroup size x, y, z (`layout(local_size_x_id = 0, ...)`)
//   3, 4, ... `KernelDesc::constants`, in order
// Shapes known when the pipeline is built go here (loops unroll); per-call values go in push
// constants.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/spirv_reflect.h"

namespace vkrt {

class Context;

// One 32-bit specialization value (int, uint, bool or float).
struct SpecValue {
  std::uint32_t bits;
  SpecValue(int v) : bits(static_cast<std::uint32_t>(v)) {}
  SpecValue(std::uint32_t v) : bits(v) {}
  SpecValue(bool v) : bits(v ? 1u : 0u) {}
  SpecValue(float v) : bits(std::bit_cast<std::uint32_t>(v)) {}
};

struct KernelDesc {
  std::string shader;  // file name in shaders/ without ".comp"
  std::array<std::uint32_t, 3> local_size{64, 1, 1};
  std::vector<SpecValue> constants;  // ids 3, 4, ...
};

class Kernel {
 public:
  static constexpr std::uint32_t kFirstConstantId = 3;

  Kernel(Context& context, KernelDesc desc);
  ~Kernel();
  Kernel(Kernel&& other) noexcept;
  Kernel& operator=(Kernel&&) = delete;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const std::string& name() const { return desc_.shader; }
  const std::array<std::uint32_t, 3>& local_size() const { return desc_.local_size; }
  const ShaderInterface& interface() const { return interface_; }
  std::uint32_t binding_count() const { return static_cast<std::uint32_t>(interface_.bindings.size()); }
  std::uint32_t push_constant_bytes() const { return interface_.push_constant_bytes; }

  VkPipeline pipeline() const { return pipeline_; }
  VkPipelineLayout pipeline_layout() const { return pipeline_layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  void destroy();
  VkDevice device_ = VK_NULL_HANDLE;
  KernelDesc desc_;
  ShaderInterface interface_;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

VkDescriptorType descriptor_type(BindingKind kind);

}  // namespace vkrt
