// Compiled pipelines kept between runs: one VkPipelineCache per device, loaded at start from the
// user's cache folder and written back when the context ends, so the second launch of a command
// skips most of the shader compilation the first one paid for.
//
// Where: $XDG_CACHE_HOME/alexnet_vk, else $HOME/.cache/alexnet_vk; one file per device and driver,
// named from vendorID, deviceID, driverVersion and pipelineCacheUUID, so a driver update starts a
// new file instead of feeding old binaries to the new driver.
//
// File: a 32-byte header of ours (magic, driverVersion, payload size, FNV-1a 64 of the payload)
// and then exactly what vkGetPipelineCacheData returned. The payload's own header
// (VkPipelineCacheHeaderVersionOne) is checked against the device as well: drivers are required
// to reject foreign data, but a corrupt or truncated file is better never handed to one.
// A file that fails any check is ignored with a one-line warning on stderr and replaced at the
// next save. Writes are atomic (temporary file, fsync, rename): a killed process or two processes
// saving at once leave either the old file or a whole new one, never a torn one. An unwritable
// folder is a warning, never an error: the cache only saves time. Two processes that both add
// pipelines: the last to save wins (each file is whole; nothing is merged).
//
// ALEXNET_VK_PIPELINE_CACHE=0 turns it off (no file read or written, no VkPipelineCache), for
// measuring cold starts.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vkrt {

struct PipelineCacheOptions {
  bool enabled = true;    // ALEXNET_VK_PIPELINE_CACHE=0 turns it off whatever this says
  std::string directory;  // empty: default_pipeline_cache_directory()
};

// $XDG_CACHE_HOME/alexnet_vk (when set and absolute, as the XDG spec asks), else
// $HOME/.cache/alexnet_vk; empty when neither variable helps.
std::string default_pipeline_cache_directory();
// False when ALEXNET_VK_PIPELINE_CACHE is "0", "off" or "false".
bool pipeline_cache_enabled_by_environment();

// "pipelines-10005-0-5803006-<32 hex digits of pipelineCacheUUID>.bin"
std::string pipeline_cache_file_name(const VkPhysicalDeviceProperties& device);

// Wraps vkGetPipelineCacheData's bytes in our file header.
std::vector<std::uint8_t> encode_pipeline_cache_file(std::span<const std::uint8_t> vulkan_data,
                                                     const VkPhysicalDeviceProperties& device);
// What is wrong with a cache file for this device ("" when nothing is); on success `vulkan_data`
// is the part to give vkCreatePipelineCache.
std::string check_pipeline_cache_file(std::span<const std::uint8_t> file, const VkPhysicalDeviceProperties& device,
                                      std::span<const std::uint8_t>* vulkan_data = nullptr);

// Writes `bytes` to `path` through a temporary file in the same folder, fsync and rename.
// Throws vkrt::Error naming the file and the failing call.
void write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes);

class PipelineCache {
 public:
  // Never throws for file problems (they are warnings); throws vkrt::Error when Vulkan fails.
  PipelineCache(VkDevice device, const VkPhysicalDeviceProperties& properties, PipelineCacheOptions options);
  ~PipelineCache();  // saves; never throws
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache handle() const { return cache_; }  // VK_NULL_HANDLE when off
  bool enabled() const { return cache_ != VK_NULL_HANDLE; }
  const std::string& path() const { return path_; }  // empty when off
  std::size_t loaded_bytes() const { return loaded_.size(); }  // Vulkan data read from the file

  // The current Vulkan cache data (empty when off).
  std::vector<std::uint8_t> data() const;
  // Writes the file when the data differs from what was loaded or last saved; returns whether it
  // wrote. A failure is a one-line warning on stderr and returns false.
  bool save();

 private:
  void load();
  VkDevice device_ = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties_{};
  std::string path_;
  std::vector<std::uint8_t> loaded_;  // the Vulkan data on disk as far as we know
  bool replace_ = false;              // the file on disk was unusable: write it even if unchanged
  VkPipelineCache cache_ = VK_NULL_HANDLE;
};

}  // namespace vkrt
