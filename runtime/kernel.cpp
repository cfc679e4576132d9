#include "runtime/kernel.h"

#include <utility>

#include "runtime/context.h"
#include "runtime/error.h"
#include "runtime/shader_registry.h"

namespace vkrt {

VkDescriptorType descriptor_type(BindingKind kind) {
  switch (kind) {
    case BindingKind::StorageBuffer: return VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    case BindingKind::UniformTexelBuffer: return VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    case BindingKind::StorageTexelBuffer: return VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER;
  }
  return VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

Kernel::Kernel(Context& context, KernelDesc desc) : device_(context.device()), desc_(std::move(desc)) {
  const auto words = find_shader(desc_.shader);
  if (words.empty()) throw Error("no shader named '" + desc_.shader + "' was built into this program");
  interface_ = reflect_compute_shader(words, desc_.shader);

  const auto& limits = context.limits();
  const auto& ls = desc_.local_size;
  if (ls[0] == 0 || ls[1] == 0 || ls[2] == 0 || ls[0] > limits.maxComputeWorkGroupSize[0] ||
      ls[1] > limits.maxComputeWorkGroupSize[1] || ls[2] > limits.maxComputeWorkGroupSize[2] ||
      ls[0] * ls[1] * ls[2] > limits.maxComputeWorkGroupInvocations)
    throw Error("kernel " + desc_.shader + ": workgroup size " + std::to_string(ls[0]) + "x" +
                std::to_string(ls[1]) + "x" + std::to_string(ls[2]) + " exceeds the device limits");
  if (interface_.push_constant_bytes > limits.maxPushConstantsSize)
    throw Error("kernel " + desc_.shader + ": push constants larger than the device allows");

  try {
    VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    module_info.codeSize = words.size() * sizeof(std::uint32_t);
    module_info.pCode = words.data();
    VKRT_TRY(vkCreateShaderModule(device_, &module_info, nullptr, &module_));

    std::vector<VkDescriptorSetLayoutBinding> bindings(interface_.bindings.size());
    for (std::uint32_t i = 0; i < bindings.size(); ++i) {
      bindings[i].binding = i;
      bindings[i].descriptorType = descriptor_type(interface_.bindings[i]);
      bindings[i].descriptorCount = 1;
      bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    set_info.bindingCount = static_cast<std::uint32_t>(bindings.size());
    set_info.pBindings = bindings.data();
    VKRT_TRY(vkCreateDescriptorSetLayout(device_, &set_info, nullptr, &set_layout_));

    VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, interface_.push_constant_bytes};
    VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    layout_info.setLayoutCount = 1;
    layout_info.pSetLayouts = &set_layout_;
    layout_info.pushConstantRangeCount = push.size > 0 ? 1 : 0;
    layout_info.pPushConstantRanges = &push;
    VKRT_TRY(vkCreatePipelineLayout(device_, &layout_info, nullptr, &pipeline_layout_));

    std::vector<std::uint32_t> values{ls[0], ls[1], ls[2]};
    for (const auto& c : desc_.constants) values.push_back(c.bits);
    std::vector<VkSpecializationMapEntry> entries(values.size());
    for (std::uint32_t i = 0; i < entries.size(); ++i)
      entries[i] = {i, i * 4u, 4u};  // id i at byte offset 4i
    VkSpecializationInfo spec{static_cast<std::uint32_t>(entries.size()), entries.data(),
                              values.size() * sizeof(std::uint32_t), values.data()};

    VkComputePipelineCreateInfo pipeline_info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    pipeline_info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    pipeline_info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    pipeline_info.stage.module = module_;
    pipeline_info.stage.pName = "main";
    pipeline_info.stage.pSpecializationInfo = &spec;
    pipeline_info.layout = pipeline_layout_;
    VKRT_TRY(vkCreateComputePipelines(device_, context.pipeline_cache(), 1, &pipeline_info, nullptr, &pipeline_));
  } catch (...) {
    destroy();
    throw;
  }
}

Kernel::Kernel(Kernel&& other) noexcept
    : device_(other.device_),
      desc_(std::move(other.desc_)),
      interface_(std::move(other.interface_)),
      module_(std::exchange(other.module_, VK_NULL_HANDLE)),
      set_layout_(std::exchange(other.set_layout_, VK_NULL_HANDLE)),
      pipeline_layout_(std::exchange(other.pipeline_layout_, VK_NULL_HANDLE)),
      pipeline_(std::exchange(other.pipeline_, VK_NULL_HANDLE)) {}

Kernel::~Kernel() { destroy(); }

void Kernel::destroy() {
  if (pipeline_) vkDestroyPipeline(device_, pipeline_, nullptr);
  if (pipeline_layout_) vkDestroyPipelineLayout(device_, pipeline_layout_, nullptr);
  if (set_layout_) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
  if (module_) vkDestroyShaderModule(device_, module_, nullptr);
  pipeline_ = VK_NULL_HANDLE;
  pipeline_layout_ = VK_NULL_HANDLE;
  set_layout_ = VK_NULL_HANDLE;
  module_ = VK_NULL_HANDLE;
}

}  // namespace vkrt
