// Errors from the Vulkan runtime. Every failing Vulkan call becomes a vkrt::Error whose message
// names the call and its VkResult, so a user sees "vkAllocateMemory: VK_ERROR_OUT_OF_DEVICE_MEMORY"
// rather than a bare number.
#pragma once

#include <vulkan/vulkan.h>

#include <stdexcept>
#include <string>

namespace vkrt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, VkResult result = VK_SUCCESS)
      : std::runtime_error(message), result_(result) {}
  VkResult result() const { return result_; }

 private:
  VkResult result_;
};

// The device was lost (driver reset, hang, removal): nothing on it can be trusted any more.
class DeviceLostError : public Error {
 public:
  using Error::Error;
};

// An allocation did not fit in device or host memory.
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};

const char* result_name(VkResult result);

// Throws the matching Error subclass when `result` is not VK_SUCCESS.
void throw_if_failed(VkResult result, const char* call);

}  // namespace vkrt

// Wraps a Vulkan call, throwing when it fails: VKRT_TRY(vkCreateFence(...)). The message names
// the function called.
#define VKRT_TRY(call) ::vkrt::throw_if_failed((call), #call)
