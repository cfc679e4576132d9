#include "runtime/pipeline_cache.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>

#include "runtime/environment.h"
#include "runtime/error.h"

namespace vkrt {
namespace {

constexpr char kMagic[8] = {'A', 'V', 'K', 'P', 'I', 'P', 'E', '1'};
constexpr std::size_t kFileHeaderBytes = 32;  // magic, driverVersion, reserved, payload size, hash
constexpr std::size_t kVulkanHeaderBytes = 16 + VK_UUID_SIZE;  // VkPipelineCacheHeaderVersionOne

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

template <class T>
T read_at(std::span<const std::uint8_t> bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

template <class T>
void write_at(std::vector<std::uint8_t>& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

std::string hex(std::uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(v));
  return text;
}

std::string uuid_hex(const std::uint8_t* uuid) {
  std::string out;
  for (unsigned i = 0; i < VK_UUID_SIZE; ++i) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", uuid[i]);
    out += two;
  }
  return out;
}

// One line per file and problem: two contexts on one device share the file and would say it twice.
void warn(const std::string& path, const std::string& problem) {
  static std::mutex mutex;
  static std::set<std::string> said;
  std::lock_guard lock(mutex);
  if (said.insert(path + "\n" + problem).second)
    std::fprintf(stderr, "warning: pipeline cache %s: %s\n", path.c_str(), problem.c_str());
}

std::string errno_text() { return std::strerror(errno); }

// Temporary files of `path` left by processes killed while saving ("<path>.tmp.<pid>.<n>" whose
// pid is gone): removed, so that kill-and-resume does not fill the folder.
void remove_stale_temporaries(const std::string& path) {
  const std::filesystem::path file(path);
  const std::string prefix = file.filename().string() + ".tmp.";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(file.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace

std::string default_pipeline_cache_directory() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/alexnet_vk";
  const char* home = std::getenv("HOME");
  if (home && home[0] != '\0') return std::string(home) + "/.cache/alexnet_vk";
  return "";
}

bool pipeline_cache_enabled_by_environment() { return switches().pipeline_cache; }

std::string pipeline_cache_file_name(const VkPhysicalDeviceProperties& d) {
  return "pipelines-" + hex(d.vendorID) + "-" + hex(d.deviceID) + "-" + hex(d.driverVersion) + "-" +
         uuid_hex(d.pipelineCacheUUID) + ".bin";
}

std::vector<std::uint8_t> encode_pipeline_cache_file(std::span<const std::uint8_t> vulkan_data,
                                                     const VkPhysicalDeviceProperties& device) {
  std::vector<std::uint8_t> file(kFileHeaderBytes + vulkan_data.size());
  std::memcpy(file.data(), kMagic, sizeof kMagic);
  write_at<std::uint32_t>(file, 8, device.driverVersion);
  write_at<std::uint32_t>(file, 12, 0);
  write_at<std::uint64_t>(file, 16, vulkan_data.size());
  write_at<std::uint64_t>(file, 24, fnv1a64(vulkan_data));
  if (!vulkan_data.empty()) std::memcpy(file.data() + kFileHeaderBytes, vulkan_data.data(), vulkan_data.size());
  return file;
}

std::string check_pipeline_cache_file(std::span<const std::uint8_t> file, const VkPhysicalDeviceProperties& device,
                                      std::span<const std::uint8_t>* vulkan_data) {
  if (file.size() < kFileHeaderBytes)
    return "truncated (" + std::to_string(file.size()) + " bytes, shorter than its " +
           std::to_string(kFileHeaderBytes) + "-byte header)";
  if (std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) return "not an alexnet_vk pipeline cache (bad magic)";
  const auto payload_bytes = read_at<std::uint64_t>(file, 16);
  const auto payload = file.subspan(kFileHeaderBytes);
  if (payload_bytes != payload.size())
    return "truncated or padded (header says " + std::to_string(payload_bytes) + " bytes of data, the file holds " +
           std::to_string(payload.size()) + ")";
  if (read_at<std::uint64_t>(file, 24) != fnv1a64(payload)) return "corrupt (checksum mismatch)";
  if (read_at<std::uint32_t>(file, 8) != device.driverVersion)
    return "made by another driver version (0x" + hex(read_at<std::uint32_t>(file, 8)) + ", this one is 0x" +
           hex(device.driverVersion) + ")";
  // VkPipelineCacheHeaderVersionOne: headerSize, headerVersion, vendorID, deviceID, pipelineCacheUUID.
  if (payload.size() < kVulkanHeaderBytes) return "its Vulkan data is shorter than a pipeline cache header";
  const auto header_size = read_at<std::uint32_t>(payload, 0);
  if (header_size < kVulkanHeaderBytes || header_size > payload.size())
    return "bad Vulkan header size " + std::to_string(header_size);
  if (read_at<std::uint32_t>(payload, 4) != VK_PIPELINE_CACHE_HEADER_VERSION_ONE)
    return "unknown Vulkan pipeline cache header version " + std::to_string(read_at<std::uint32_t>(payload, 4));
  const auto vendor = read_at<std::uint32_t>(payload, 8), device_id = read_at<std::uint32_t>(payload, 12);
  if (vendor != device.vendorID || device_id != device.deviceID ||
      std::memcmp(payload.data() + 16, device.pipelineCacheUUID, VK_UUID_SIZE) != 0)
    return "made by another device or driver (vendor 0x" + hex(vendor) + ", device 0x" + hex(device_id) + ", UUID " +
           uuid_hex(payload.data() + 16) + "; this one is vendor 0x" + hex(device.vendorID) + ", device 0x" +
           hex(device.deviceID) + ", UUID " + uuid_hex(device.pipelineCacheUUID) + ")";
  if (vulkan_data) *vulkan_data = payload;
  return "";
}

void write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes) {
  // Unique per process and call, so two writers never share a temporary file.
  static std::atomic<unsigned> counter{0};
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(temp + ": cannot create (" + errno_text() + ")");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(temp.c_str());
      throw Error(temp + ": write failed (" + why + ")");
    }
    done += static_cast<std::size_t>(n);
  }
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(temp.c_str());
    throw Error(temp + ": fsync failed (" + why + ")");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(temp.c_str());
    throw Error(path + ": rename from " + temp + " failed (" + why + ")");
  }
  // And the folder, so the rename itself survives a crash.
  const std::string folder = std::filesystem::path(path).parent_path().string();
  const int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

PipelineCache::PipelineCache(VkDevice device, const VkPhysicalDeviceProperties& properties,
                             PipelineCacheOptions options)
    : device_(device), properties_(properties) {
  if (!options.enabled || !pipeline_cache_enabled_by_environment()) return;
  const std::string folder = options.directory.empty() ? default_pipeline_cache_directory() : options.directory;
  if (!folder.empty()) path_ = folder + "/" + pipeline_cache_file_name(properties_);
  load();
}

void PipelineCache::load() {
  std::vector<std::uint8_t> file;
  bool found = false;
  if (!path_.empty()) {
    std::ifstream in(path_, std::ios::binary);
    found = static_cast<bool>(in);
    if (found) file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    else if (std::filesystem::exists(path_)) warn(path_, "cannot be read; starting with an empty cache");
  }
  std::span<const std::uint8_t> vulkan_data;
  if (found) {
    const std::string problem = check_pipeline_cache_file(file, properties_, &vulkan_data);
    if (!problem.empty()) {
      warn(path_, problem + "; ignored, it will be replaced");
      replace_ = true;
    }
  }
  VkPipelineCacheCreateInfo info{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  info.initialDataSize = vulkan_data.size();
  info.pInitialData = vulkan_data.empty() ? nullptr : vulkan_data.data();
  VkResult result = vkCreatePipelineCache(device_, &info, nullptr, &cache_);
  if (result != VK_SUCCESS && !vulkan_data.empty()) {
    // The driver refused data that passed our checks: start empty rather than fail.
    warn(path_, std::string("the driver rejected it (") + result_name(result) + "); ignored, it will be replaced");
    replace_ = true;
    vulkan_data = {};
    info.initialDataSize = 0;
    info.pInitialData = nullptr;
    result = vkCreatePipelineCache(device_, &info, nullptr, &cache_);
  }
  throw_if_failed(result, "vkCreatePipelineCache");
  loaded_.assign(vulkan_data.begin(), vulkan_data.end());
}

PipelineCache::~PipelineCache() {
  try {
    save();
  } catch (...) {
    // save() reports its own failures; nothing may escape a destructor.
  }
  if (cache_) vkDestroyPipelineCache(device_, cache_, nullptr);
}

std::vector<std::uint8_t> PipelineCache::data() const {
  if (!cache_) return {};
  // The size can grow between the two calls if another thread creates a pipeline: retry then.
  for (;;) {
    std::size_t size = 0;
    VKRT_TRY(vkGetPipelineCacheData(device_, cache_, &size, nullptr));
    std::vector<std::uint8_t> bytes(size);
    const VkResult result = vkGetPipelineCacheData(device_, cache_, &size, bytes.data());
    if (result == VK_INCOMPLETE) continue;
    throw_if_failed(result, "vkGetPipelineCacheData");
    bytes.resize(size);
    return bytes;
  }
}

bool PipelineCache::save() {
  if (!cache_ || path_.empty()) return false;
  std::vector<std::uint8_t> current;
  try {
    current = data();
  } catch (const Error& e) {
    warn(path_, std::string("not saved: ") + e.what());
    return false;
  }
  if (current == loaded_ && !replace_) return false;  // nothing new: leave the file alone
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  if (ec) {
    warn(path_, "not saved: cannot create its folder (" + ec.message() + ")");
    return false;
  }
  remove_stale_temporaries(path_);
  try {
    write_file_atomically(path_, encode_pipeline_cache_file(current, properties_));
  } catch (const Error& e) {
    warn(path_, std::string("not saved: ") + e.what());
    return false;
  }
  loaded_ = std::move(current);
  replace_ = false;
  return true;
}

}  // namespace vkrt
