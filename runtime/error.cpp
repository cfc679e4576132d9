#include "runtime/error.h"

#include <string_view>

namespace vkrt {

const char* result_name(VkResult result) {
  switch (result) {
#define VKRT_NAME(r) \
  case r:            \
    return #r;
    VKRT_NAME(VK_SUCCESS)
    VKRT_NAME(VK_NOT_READY)
    VKRT_NAME(VK_TIMEOUT)
    VKRT_NAME(VK_EVENT_SET)
    VKRT_NAME(VK_EVENT_RESET)
    VKRT_NAME(VK_INCOMPLETE)
    VKRT_NAME(VK_ERROR_OUT_OF_HOST_MEMORY)
    VKRT_NAME(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    VKRT_NAME(VK_ERROR_INITIALIZATION_FAILED)
    VKRT_NAME(VK_ERROR_DEVICE_LOST)
    VKRT_NAME(VK_ERROR_MEMORY_MAP_FAILED)
    VKRT_NAME(VK_ERROR_LAYER_NOT_PRESENT)
    VKRT_NAME(VK_ERROR_EXTENSION_NOT_PRESENT)
    VKRT_NAME(VK_ERROR_FEATURE_NOT_PRESENT)
    VKRT_NAME(VK_ERROR_INCOMPATIBLE_DRIVER)
    VKRT_NAME(VK_ERROR_TOO_MANY_OBJECTS)
    VKRT_NAME(VK_ERROR_FORMAT_NOT_SUPPORTED)
    VKRT_NAME(VK_ERROR_FRAGMENTED_POOL)
    VKRT_NAME(VK_ERROR_UNKNOWN)
    VKRT_NAME(VK_ERROR_OUT_OF_POOL_MEMORY)
    VKRT_NAME(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    VKRT_NAME(VK_ERROR_FRAGMENTATION)
    VKRT_NAME(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
#undef VKRT_NAME
    default:
      return "VK_RESULT_UNKNOWN";
  }
}

void throw_if_failed(VkResult result, const char* call) {
  if (result == VK_SUCCESS) return;
  // Keep only the function name: "vkCreateFence(device, ...)" -> "vkCreateFence".
  std::string_view text(call);
  text = text.substr(0, text.find('('));
  std::string message = std::string(text) + ": " + result_name(result);
  switch (result) {
    case VK_ERROR_DEVICE_LOST:
      throw DeviceLostError(message, result);
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      throw OutOfMemoryError(message, result);
    default:
      throw Error(message, result);
  }
}

}  // namespace vkrt
