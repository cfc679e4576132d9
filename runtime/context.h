// Instance and device: which Vulkan devices exist, what they can do, and one logical device with
// a compute queue. Knows nothing of neural networks.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/coopmat.h"
#include "runtime/pipeline_cache.h"

namespace vkrt {

enum class Validation {
  Off,          // no layer
  IfAvailable,  // Khronos validation when installed (tests use this)
  Required,     // fail when the layer is missing
};

struct InstanceOptions {
  Validation validation = Validation::Off;
  bool synchronization_validation = false;  // also check hazards between commands (slower)
  PipelineCacheOptions pipeline_cache;       // what every Context of this instance uses
};

// What `alexnet_vk devices` prints and what kernel selection reads.
struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string type;    // "discrete", "integrated", "virtual", "cpu", "other"
  std::uint32_t vendor_id = 0;
  std::string vendor;  // "NVIDIA", "AMD", "Intel", "Mesa", ... or hex id
  std::string driver;  // driver name and info, e.g. "llvmpipe Mesa 22.3.6 (LLVM 15.0.6)"
  std::string api_version;
  std::uint64_t device_local_bytes = 0;
  std::uint32_t subgroup_size = 0;
  bool fp16_arithmetic = false;
  // storageBuffer16BitAccess: fp16 values in storage buffers (what --precision fp16 needs; the
  // arithmetic stays fp32, so shaderFloat16 above is reported, not required).
  bool storage_16bit = false;
  bool cooperative_matrix = false;
  bool is_cpu() const { return type == "cpu"; }
};

class Instance {
 public:
  explicit Instance(InstanceOptions options = {});
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return instance_; }
  const InstanceOptions& options() const { return options_; }
  const std::vector<VkPhysicalDevice>& physical_devices() const { return physical_devices_; }
  std::vector<DeviceInfo> describe_devices() const;
  DeviceInfo describe(int index) const;

  bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }
  // Validation-layer messages (warnings and errors) seen so far; a test fails on any.
  std::size_t validation_message_count() const;
  std::vector<std::string> validation_messages() const;
  void clear_validation_messages();

 private:
  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT*,
                                                   void*);
  InstanceOptions options_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  std::vector<VkPhysicalDevice> physical_devices_;
  mutable std::mutex messages_mutex_;
  std::vector<std::string> messages_;
};

class Allocator;

// One logical device with one compute queue. Owns the device-memory allocator and the pipeline
// cache (runtime/pipeline_cache.h), loaded when the context is made and saved when it ends.
class Context {
 public:
  // Throws vkrt::Error naming the index and the device count when out of range.
  Context(const Instance& instance, int device_index);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkDevice device() const { return device_; }
  VkPhysicalDevice physical_device() const { return physical_; }
  VkQueue queue() const { return queue_; }
  std::uint32_t queue_family() const { return queue_family_; }
  const DeviceInfo& info() const { return info_; }
  const VkPhysicalDeviceLimits& limits() const { return properties_.limits; }
  const VkPhysicalDeviceMemoryProperties& memory_properties() const { return memory_properties_; }
  bool timestamps_supported() const { return timestamp_valid_bits_ > 0; }
  double timestamp_period_ns() const { return properties_.limits.timestampPeriod; }
  Allocator& allocator() { return *allocator_; }
  // Every Kernel's pipeline goes through it (VK_NULL_HANDLE when the cache is off).
  VkPipelineCache pipeline_cache() const { return pipeline_cache_->handle(); }
  PipelineCache& pipeline_cache_file() { return *pipeline_cache_; }
  // Writes the cache file now, e.g. once set-up has built every pipeline, so a run that is
  // killed later still leaves it; the destructor saves again only if something changed.
  bool save_pipeline_cache() { return pipeline_cache_->save(); }
  // Whether the device has timeline semaphores (needed to run as one of two devices).
  bool timeline_semaphores() const { return timeline_semaphores_; }
  // Whether storageBuffer16BitAccess was enabled (the device has it): fp16 storage variants run.
  bool storage_16bit() const { return storage_16bit_; }
  // Whether the cooperative-matrix GEMM variants can run here (VK_NV_cooperative_matrix and the
  // rest of runtime/coopmat.h, enabled), and why not. Unmeasured on any device that has them.
  const CoopMatSupport& coopmat() const { return coopmat_; }

 private:
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  std::uint32_t queue_family_ = 0;
  std::uint32_t timestamp_valid_bits_ = 0;
  bool timeline_semaphores_ = false;
  bool storage_16bit_ = false;
  CoopMatSupport coopmat_;
  VkPhysicalDeviceProperties properties_{};
  VkPhysicalDeviceMemoryProperties memory_properties_{};
  DeviceInfo info_;
  std::unique_ptr<Allocator> allocator_;
  std::unique_ptr<PipelineCache> pipeline_cache_;
};

}  // namespace vkrt
