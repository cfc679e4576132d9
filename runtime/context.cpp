#include "runtime/context.h"

#include <cstdio>
#include <cstring>
#include <tuple>
#include <utility>

#include "runtime/error.h"
#include "runtime/memory.h"

namespace vkrt {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool has_layer(const char* name) {
  std::uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  for (const auto& layer : layers)
    if (std::strcmp(layer.layerName, name) == 0) return true;
  return false;
}

bool has_device_extension(VkPhysicalDevice physical, const char* name) {
  std::uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, extensions.data());
  for (const auto& extension : extensions)
    if (std::strcmp(extension.extensionName, name) == 0) return true;
  return false;
}

std::string vendor_name(std::uint32_t id) {
  switch (id) {
    case 0x10DE: return "NVIDIA";
    case 0x1002: return "AMD";
    case 0x8086: return "Intel";
    case 0x13B5: return "ARM";
    case 0x5143: return "Qualcomm";
    case 0x1010: return "ImgTec";
    case 0x106B: return "Apple";
    case 0x10005: return "Mesa";
    default: {
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%04X", id);
      return hex;
    }
  }
}

std::string type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

std::string version_string(std::uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) + "." +
         std::to_string(VK_API_VERSION_PATCH(v));
}

DeviceInfo describe_physical(VkPhysicalDevice physical, int index) {
  VkPhysicalDeviceProperties base{};
  vkGetPhysicalDeviceProperties(physical, &base);
  const bool has_1_2 = base.apiVersion >= VK_API_VERSION_1_2;

  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceProperties2 properties{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  properties.pNext = &subgroup;
  const bool has_driver_properties =
      has_1_2 || has_device_extension(physical, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);
  if (has_driver_properties) subgroup.pNext = &driver;
  vkGetPhysicalDeviceProperties2(physical, &properties);

  VkPhysicalDeviceShaderFloat16Int8Features float16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  // 16-bit storage is core in Vulkan 1.1, the lowest version this project runs on.
  VkPhysicalDevice16BitStorageFeatures storage16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  const bool has_float16_query =
      has_1_2 || has_device_extension(physical, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  features.pNext = &storage16;
  if (has_float16_query) storage16.pNext = &float16;
  vkGetPhysicalDeviceFeatures2(physical, &features);

  VkPhysicalDeviceMemoryProperties memory{};
  vkGetPhysicalDeviceMemoryProperties(physical, &memory);

  DeviceInfo info;
  info.index = index;
  info.name = base.deviceName;
  info.type = type_name(base.deviceType);
  info.vendor_id = base.vendorID;
  info.vendor = vendor_name(base.vendorID);
  info.driver = has_driver_properties
                    ? std::string(driver.driverName) + " " + driver.driverInfo
                    : "driver " + std::to_string(base.driverVersion);
  info.api_version = version_string(base.apiVersion);
  for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i)
    if (memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      info.device_local_bytes += memory.memoryHeaps[i].size;
  info.subgroup_size = subgroup.subgroupSize;
  info.fp16_arithmetic = has_float16_query && float16.shaderFloat16;
  info.storage_16bit = storage16.storageBuffer16BitAccess == VK_TRUE;
  info.cooperative_matrix = has_device_extension(physical, "VK_KHR_cooperative_matrix") ||
                            has_device_extension(physical, "VK_NV_cooperative_matrix");
  return info;
}

}  // namespace

Instance::Instance(InstanceOptions options) : options_(options) {
  bool want_validation = options.validation != Validation::Off;
  if (want_validation && !has_layer(kValidationLayer)) {
    if (options.validation == Validation::Required)
      throw Error("the Vulkan validation layer is not installed (apt-get install vulkan-validationlayers)");
    want_validation = false;
  }

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "alexnet_vk";
  app.pEngineName = "alexnet_vk";
  app.apiVersion = VK_API_VERSION_1_2;  // the highest we use; 1.1 devices still work

  std::vector<const char*> layers, extensions;
  if (want_validation) {
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
  }
  VkValidationFeatureEnableEXT sync = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &sync;

  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  if (want_validation && options.synchronization_validation) info.pNext = &features;

  VkResult result = vkCreateInstance(&info, nullptr, &instance_);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER)
    throw Error("no Vulkan driver found (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER); "
                "install your GPU's Vulkan driver or mesa-vulkan-drivers",
                result);
  throw_if_failed(result, "vkCreateInstance");

  if (want_validation) {
    auto create_messenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    VkDebugUtilsMessengerCreateInfoEXT messenger{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    messenger.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    messenger.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT;
    messenger.pfnUserCallback = &Instance::on_message;
    messenger.pUserData = this;
    if (create_messenger) VKRT_TRY(create_messenger(instance_, &messenger, nullptr, &messenger_));
  }

  std::uint32_t count = 0;
  VKRT_TRY(vkEnumeratePhysicalDevices(instance_, &count, nullptr));
  physical_devices_.resize(count);
  VKRT_TRY(vkEnumeratePhysicalDevices(instance_, &count, physical_devices_.data()));
  physical_devices_.resize(count);
}

Instance::~Instance() {
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  if (instance_) vkDestroyInstance(instance_, nullptr);
}

VKAPI_ATTR VkBool32 VKAPI_CALL Instance::on_message(VkDebugUtilsMessageSeverityFlagBitsEXT,
                                                    VkDebugUtilsMessageTypeFlagsEXT,
                                                    const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                    void* user) {
  auto* self = static_cast<Instance*>(user);
  std::string text = data && data->pMessage ? data->pMessage : "(no message)";
  std::fprintf(stderr, "vulkan validation: %s\n", text.c_str());
  std::lock_guard lock(self->messages_mutex_);
  self->messages_.push_back(std::move(text));
  return VK_FALSE;
}

std::size_t Instance::validation_message_count() const {
  std::lock_guard lock(messages_mutex_);
  return messages_.size();
}

std::vector<std::string> Instance::validation_messages() const {
  std::lock_guard lock(messages_mutex_);
  return messages_;
}

void Instance::clear_validation_messages() {
  std::lock_guard lock(messages_mutex_);
  messages_.clear();
}

std::vector<DeviceInfo> Instance::describe_devices() const {
  std::vector<DeviceInfo> out;
  for (std::size_t i = 0; i < physical_devices_.size(); ++i)
    out.push_back(describe_physical(physical_devices_[i], static_cast<int>(i)));
  return out;
}

DeviceInfo Instance::describe(int index) const {
  if (physical_devices_.empty()) throw Error("no Vulkan device found");
  if (index < 0 || index >= static_cast<int>(physical_devices_.size()))
    throw Error("device index " + std::to_string(index) + " is out of range: there " +
                (physical_devices_.size() == 1 ? "is 1 device (index 0)"
                                               : "are " + std::to_string(physical_devices_.size()) +
                                                     " devices (0-" +
                                                     std::to_string(physical_devices_.size() - 1) + ")"));
  return describe_physical(physical_devices_[index], index);
}

namespace {

// Prefer a compute-only family (an async compute engine on discrete GPUs), else any with compute.
// Returns the family index and its timestamp bits; throws when the device has no compute queue.
std::pair<std::uint32_t, std::uint32_t> choose_compute_family(VkPhysicalDevice physical, const std::string& name) {
  std::uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &family_count, families.data());
  int chosen = -1;
  for (std::uint32_t i = 0; i < family_count; ++i) {
    const auto flags = families[i].queueFlags;
    if (!(flags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (chosen < 0 || !(flags & VK_QUEUE_GRAPHICS_BIT)) chosen = static_cast<int>(i);
    if (!(flags & VK_QUEUE_GRAPHICS_BIT)) break;
  }
  if (chosen < 0) throw Error("device " + name + " has no compute queue");
  return {static_cast<std::uint32_t>(chosen), families[chosen].timestampValidBits};
}

// Timeline semaphores (core in 1.2) let two devices' queues wait on exchanges the host relays
// (runtime/exchange.h); a device without them still runs everything on one device.
bool has_timeline_semaphores(VkPhysicalDevice physical, std::uint32_t api_version) {
  if (api_version < VK_API_VERSION_1_2) return false;
  VkPhysicalDeviceTimelineSemaphoreFeatures timeline{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES};
  VkPhysicalDeviceFeatures2 query{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  query.pNext = &timeline;
  vkGetPhysicalDeviceFeatures2(physical, &query);
  return timeline.timelineSemaphore == VK_TRUE;
}

// The optional features a device is created with, each only where the device has it.
struct EnabledFeatures {
  bool timeline_semaphores = false;
  // 16-bit storage (the fp16 shader variants): a shader that declares fp16 storage is only valid
  // on a device that enabled the feature.
  bool storage_16bit = false;
  // Cooperative matrices (runtime/coopmat.h), with the shaderFloat16 their GEMM core needs for
  // fp16 shared memory: enabled only where every piece is there. Unmeasured.
  bool coopmat_nv = false;
};

VkDevice create_device(VkPhysicalDevice physical, std::uint32_t queue_family, const EnabledFeatures& enabled) {
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = queue_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;

  VkPhysicalDeviceTimelineSemaphoreFeatures timeline{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES};
  timeline.timelineSemaphore = VK_TRUE;
  VkPhysicalDevice16BitStorageFeatures storage16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  storage16.storageBuffer16BitAccess = VK_TRUE;
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coopmat{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  coopmat.cooperativeMatrix = VK_TRUE;
  VkPhysicalDeviceShaderFloat16Int8Features float16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  float16.shaderFloat16 = VK_TRUE;
  std::vector<const char*> extensions;

  VkDeviceCreateInfo device_info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  // Each enabled feature struct goes on the front of the chain.
  auto chain = [&device_info](auto& features) {
    features.pNext = const_cast<void*>(device_info.pNext);
    device_info.pNext = &features;
  };
  if (enabled.timeline_semaphores) chain(timeline);
  if (enabled.storage_16bit) chain(storage16);
  if (enabled.coopmat_nv) {
    chain(coopmat);
    chain(float16);
    extensions.push_back(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  }
  device_info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  device_info.ppEnabledExtensionNames = extensions.data();
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  VkDevice device = VK_NULL_HANDLE;
  VKRT_TRY(vkCreateDevice(physical, &device_info, nullptr, &device));
  return device;
}

}  // namespace

Context::Context(const Instance& instance, int device_index) {
  info_ = instance.describe(device_index);  // validates the index
  physical_ = instance.physical_devices()[device_index];
  vkGetPhysicalDeviceProperties(physical_, &properties_);
  vkGetPhysicalDeviceMemoryProperties(physical_, &memory_properties_);
  std::tie(queue_family_, timestamp_valid_bits_) = choose_compute_family(physical_, info_.name);

  timeline_semaphores_ = has_timeline_semaphores(physical_, properties_.apiVersion);
  storage_16bit_ = info_.storage_16bit;
  coopmat_ = query_coopmat_nv(instance.handle(), physical_);
  device_ = create_device(physical_, queue_family_, {timeline_semaphores_, storage_16bit_, coopmat_.usable});
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
  allocator_ = std::make_unique<Allocator>(*this);
  try {
    pipeline_cache_ = std::make_unique<PipelineCache>(device_, properties_, instance.options().pipeline_cache);
  } catch (...) {
    allocator_.reset();
    vkDestroyDevice(device_, nullptr);
    throw;
  }
}

Context::~Context() {
  if (device_) vkDeviceWaitIdle(device_);
  pipeline_cache_.reset();  // saves the file
  allocator_.reset();
  if (device_) vkDestroyDevice(device_, nullptr);
}

}  // namespace vkrt
