#include "runtime/coopmat.h"

#include <vector>

namespace vkrt {
namespace {

bool has_extension(VkPhysicalDevice physical, const char* name) {
  std::uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, extensions.data());
  for (const auto& e : extensions)
    if (std::string(e.extensionName) == name) return true;
  return false;
}

// Whether the driver lists the one shape the core uses.
bool has_shape(VkInstance instance, VkPhysicalDevice physical) {
  auto list = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
      vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
  if (!list) return false;
  std::uint32_t count = 0;
  if (list(physical, &count, nullptr) != VK_SUCCESS) return false;
  std::vector<VkCooperativeMatrixPropertiesNV> shapes(count, {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
  if (list(physical, &count, shapes.data()) != VK_SUCCESS) return false;
  for (const auto& s : shapes)
    if (s.MSize == 16 && s.NSize == 16 && s.KSize == 16 && s.AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
        s.BType == VK_COMPONENT_TYPE_FLOAT16_NV && s.CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
        s.DType == VK_COMPONENT_TYPE_FLOAT32_NV && s.scope == VK_SCOPE_SUBGROUP_NV)
      return true;
  return false;
}

}  // namespace

CoopMatSupport query_coopmat_nv(VkInstance instance, VkPhysicalDevice physical) {
  CoopMatSupport out;
  VkPhysicalDeviceProperties base{};
  vkGetPhysicalDeviceProperties(physical, &base);
  if (base.apiVersion < VK_API_VERSION_1_2) {
    out.reason = "needs Vulkan 1.2";
    return out;
  }
  if (!has_extension(physical, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME)) {
    out.reason = "no cooperative matrices on this device (VK_NV_cooperative_matrix)";
    return out;
  }
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coopmat{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  VkPhysicalDeviceVulkan12Features v12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDevice16BitStorageFeatures storage16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features.pNext = &coopmat;
  coopmat.pNext = &v12;
  v12.pNext = &storage16;
  vkGetPhysicalDeviceFeatures2(physical, &features);

  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 properties{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  properties.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(physical, &properties);

  if (!coopmat.cooperativeMatrix) out.reason = "the cooperativeMatrix feature is off";
  else if (!v12.shaderFloat16) out.reason = "no shaderFloat16";
  else if (!storage16.storageBuffer16BitAccess) out.reason = "no 16-bit storage";
  else if (subgroup.subgroupSize != 32) out.reason = "subgroup size is not 32";
  else if (!has_shape(instance, physical)) out.reason = "no 16x16x16 fp16 -> fp32 subgroup shape";
  else out.usable = true;
  return out;
}

}  // namespace vkrt
