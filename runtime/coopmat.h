// Cooperative matrices (VK_NV_cooperative_matrix): whether a device can run the cooperative-matrix
// GEMM variants (shaders/gemm_coopmat_nv.glsl) and, when it can, what to enable at device creation.
//
// UNMEASURED: written without a device that has the extension; lavapipe (where this was built and
// tested) reports none, so only the "not usable" answers have ever run.
#pragma once

#include <vulkan/vulkan.h>

#include <string>

namespace vkrt {

struct CoopMatSupport {
  bool usable = false;
  std::string reason;  // why not, when not usable (for verify's "skipped" lines)
};

// The variants need: Vulkan 1.2 (shaderFloat16 for fp16 shared memory), the extension and its
// cooperativeMatrix feature, a 16x16x16 subgroup shape with fp16 A and B and fp32 C and D,
// storageBuffer16BitAccess, and a subgroup size of 32 (the core counts subgroups of 32).
CoopMatSupport query_coopmat_nv(VkInstance instance, VkPhysicalDevice physical);

}  // namespace vkrt
