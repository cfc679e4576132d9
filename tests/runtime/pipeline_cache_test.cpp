// The pipeline cache (runtime/pipeline_cache.h): saved by one Context and loaded by the next,
// bad files ignored with one warning and replaced, files written atomically, and an unwritable
// folder only a warning. Each test has its own cache folder and its own Instance, whose
// validation-layer messages it checks itself (the shared test instance never sees them).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "runtime/context.h"
#include "runtime/kernel.h"
#include "runtime/pipeline_cache.h"

namespace alexnet {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

fs::path fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(::testing::TempDir()) /
                 ("alexnet_vk_pipeline_cache_" + std::to_string(::getpid()) + "_" + info->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

int lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// An instance whose contexts keep their pipeline cache in `dir`.
std::unique_ptr<vkrt::Instance> instance_with_cache(const fs::path& dir) {
  vkrt::InstanceOptions options;
  const char* expect = std::getenv("ALEXNET_VK_EXPECT_VALIDATION");
  options.validation = expect && std::string(expect) == "1" ? vkrt::Validation::Required : vkrt::Validation::IfAvailable;
  options.pipeline_cache.directory = dir.string();
  return std::make_unique<vkrt::Instance>(options);
}

void expect_no_validation_messages(const vkrt::Instance& instance) {
  const auto messages = instance.validation_messages();
  EXPECT_TRUE(messages.empty()) << messages.front();
}

// Builds one pipeline, so the cache has something to hold.
void build_a_pipeline(vkrt::Context& context) { vkrt::Kernel kernel(context, {"relu_fwd", {64, 1, 1}, {}}); }

VkPhysicalDeviceProperties properties_of(const vkrt::Context& context) {
  VkPhysicalDeviceProperties p{};
  vkGetPhysicalDeviceProperties(context.physical_device(), &p);
  return p;
}

TEST(PipelineCache, FileIsNamedAfterDeviceAndDriver) {
  VkPhysicalDeviceProperties p{};
  p.vendorID = 0x10de;
  p.deviceID = 0x2330;
  p.driverVersion = 0x8f4a8000;
  for (unsigned i = 0; i < VK_UUID_SIZE; ++i) p.pipelineCacheUUID[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(vkrt::pipeline_cache_file_name(p), "pipelines-10de-2330-8f4a8000-000102030405060708090a0b0c0d0e0f.bin");
}

TEST(PipelineCache, FolderFollowsXdgCacheHome) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = xdg ? xdg : "";
  ::setenv("XDG_CACHE_HOME", "/somewhere/cache", 1);
  EXPECT_EQ(vkrt::default_pipeline_cache_directory(), "/somewhere/cache/alexnet_vk");
  ::setenv("XDG_CACHE_HOME", "relative/cache", 1);  // the XDG spec says to ignore relative paths
  const char* home = std::getenv("HOME");
  if (home) {
    EXPECT_EQ(vkrt::default_pipeline_cache_directory(), std::string(home) + "/.cache/alexnet_vk");
  }
  if (xdg) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else ::unsetenv("XDG_CACHE_HOME");
}

TEST(PipelineCache, SecondContextLoadsWhatTheFirstSaved) {
  const fs::path dir = fresh_dir();
  auto instance = instance_with_cache(dir);
  fs::path file;
  Bytes saved;
  {
    vkrt::Context first(*instance, 0);
    auto& cache = first.pipeline_cache_file();
    ASSERT_TRUE(cache.enabled());
    EXPECT_EQ(cache.loaded_bytes(), 0u);
    file = cache.path();
    EXPECT_EQ(fs::path(file).parent_path(), dir);
    build_a_pipeline(first);
    EXPECT_TRUE(first.save_pipeline_cache());
    ASSERT_TRUE(fs::exists(file));
    saved = read_bytes(file);
    EXPECT_EQ(vkrt::check_pipeline_cache_file(saved, properties_of(first)), "");
    // Saved already and nothing new since: the destructor leaves the file as it is.
    EXPECT_FALSE(first.save_pipeline_cache());
  }
  struct stat before{};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  {
    vkrt::Context second(*instance, 0);
    auto& cache = second.pipeline_cache_file();
    // Everything after our 32-byte header went to vkCreatePipelineCache.
    EXPECT_GT(cache.loaded_bytes(), 0u);
    EXPECT_EQ(cache.loaded_bytes(), saved.size() - 32);
    build_a_pipeline(second);  // the same pipeline: the driver finds it, nothing new to save
    EXPECT_FALSE(second.save_pipeline_cache());
  }
  struct stat after{};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "an unchanged cache was rewritten";
  EXPECT_EQ(read_bytes(file), saved);
  expect_no_validation_messages(*instance);
}

// Each bad file: the context starts empty, stderr has one warning line naming the file and the
// problem, and the file is replaced by a good one when the context ends.
void expect_ignored_and_replaced(const std::string& what, const Bytes& bad, const std::string& reason) {
  SCOPED_TRACE(what);
  const fs::path dir = fresh_dir() / what;
  fs::create_directories(dir);
  auto instance = instance_with_cache(dir);
  std::string file;
  {
    vkrt::Context probe(*instance, 0);  // only to learn the file name
    file = probe.pipeline_cache_file().path();
  }
  fs::remove(file);
  write_bytes(file, bad);
  VkPhysicalDeviceProperties properties{};
  ::testing::internal::CaptureStderr();
  {
    vkrt::Context context(*instance, 0);
    properties = properties_of(context);
    EXPECT_EQ(context.pipeline_cache_file().loaded_bytes(), 0u);
    build_a_pipeline(context);
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(lines(err), 1) << err;
  EXPECT_NE(err.find("warning: pipeline cache " + file + ": "), std::string::npos) << err;
  EXPECT_NE(err.find(reason), std::string::npos) << err;
  EXPECT_NE(err.find("it will be replaced"), std::string::npos) << err;
  EXPECT_EQ(vkrt::check_pipeline_cache_file(read_bytes(file), properties), "") << "not replaced";
  expect_no_validation_messages(*instance);
}

TEST(PipelineCache, CorruptTruncatedAndForeignFilesAreIgnoredWithOneWarning) {
  const fs::path dir = fresh_dir();
  auto instance = instance_with_cache(dir);
  Bytes good;
  VkPhysicalDeviceProperties properties{};
  {
    vkrt::Context context(*instance, 0);
    properties = properties_of(context);
    build_a_pipeline(context);
    context.save_pipeline_cache();
    good = read_bytes(context.pipeline_cache_file().path());
  }
  ASSERT_GE(good.size(), 64u);

  Bytes truncated(good.begin(), good.end() - 5);
  expect_ignored_and_replaced("truncated", truncated, "truncated");
  expect_ignored_and_replaced("empty", {}, "truncated");
  Bytes corrupt = good;
  corrupt.back() ^= 0x5a;
  expect_ignored_and_replaced("corrupt", corrupt, "checksum");
  Bytes garbage(200, 0xab);
  expect_ignored_and_replaced("garbage", garbage, "bad magic");

  // Whole and correctly summed, but made by another device: the Vulkan header tells.
  Bytes vulkan(good.begin() + 32, good.end());
  vulkan[8] ^= 0x01;  // vendorID
  expect_ignored_and_replaced("other-vendor", vkrt::encode_pipeline_cache_file(vulkan, properties), "another device");
  vulkan = Bytes(good.begin() + 32, good.end());
  vulkan[16] ^= 0xff;  // pipelineCacheUUID
  expect_ignored_and_replaced("other-uuid", vkrt::encode_pipeline_cache_file(vulkan, properties), "another device");
  VkPhysicalDeviceProperties older = properties;
  older.driverVersion ^= 0x100;
  expect_ignored_and_replaced("other-driver", vkrt::encode_pipeline_cache_file(Bytes(good.begin() + 32, good.end()), older),
                              "another driver version");
  expect_no_validation_messages(*instance);
}

TEST(PipelineCache, FileIsReplacedAtomically) {
  const fs::path dir = fresh_dir();
  const fs::path file = dir / "cache.bin";
  write_bytes(file, Bytes(1000, 1));
  // A reader that opened the old file before the save must keep reading the old bytes: the new
  // file is a new inode renamed over the name, never the old one rewritten in place.
  std::ifstream reader(file, std::ios::binary);
  struct stat before{};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  const Bytes fresh(300, 2);
  vkrt::write_file_atomically(file.string(), fresh);
  struct stat after{};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(read_bytes(file), fresh);
  const Bytes old_view(std::istreambuf_iterator<char>(reader), {});
  EXPECT_EQ(old_view, Bytes(1000, 1));
  // No temporary file is left beside it.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(entries, 1);
  // A folder that does not exist: an error naming the file.
  try {
    vkrt::write_file_atomically((dir / "missing" / "cache.bin").string(), fresh);
    ADD_FAILURE() << "no error";
  } catch (const vkrt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/cache.bin"), std::string::npos) << e.what();
  }
}

TEST(PipelineCache, TemporariesOfKilledSavesAreRemoved) {
  const fs::path dir = fresh_dir();
  auto instance = instance_with_cache(dir);
  std::string file;
  {
    vkrt::Context probe(*instance, 0);
    file = probe.pipeline_cache_file().path();
  }
  // pid 0x7ffffffe is above any pid_max Linux allows: that process is surely gone. Our own pid is
  // alive, so its temporary might be a save in progress and must stay.
  const fs::path stale = file + ".tmp.2147483646.0", live = file + ".tmp." + std::to_string(::getpid()) + ".99";
  write_bytes(stale, {1});
  write_bytes(live, {2});
  fs::remove(file);
  {
    vkrt::Context context(*instance, 0);
    build_a_pipeline(context);
    EXPECT_TRUE(context.save_pipeline_cache());
  }
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  expect_no_validation_messages(*instance);
}

TEST(PipelineCache, UnwritableFolderIsAWarning) {
  const fs::path dir = fresh_dir();
  write_bytes(dir / "a-file", {1, 2, 3});
  // A folder below a regular file can never be created, even by root.
  auto instance = instance_with_cache(dir / "a-file" / "cache");
  ::testing::internal::CaptureStderr();
  {
    vkrt::Context context(*instance, 0);
    build_a_pipeline(context);
    EXPECT_FALSE(context.save_pipeline_cache());
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(lines(err), 1) << err;
  EXPECT_NE(err.find("warning: pipeline cache "), std::string::npos) << err;
  EXPECT_NE(err.find("not saved"), std::string::npos) << err;
  expect_no_validation_messages(*instance);
}

TEST(PipelineCache, EnvironmentSwitchTurnsItOff) {
  const fs::path dir = fresh_dir();
  auto instance = instance_with_cache(dir);
  ::setenv("ALEXNET_VK_PIPELINE_CACHE", "0", 1);
  {
    vkrt::Context context(*instance, 0);
    EXPECT_EQ(context.pipeline_cache(), VK_NULL_HANDLE);
    EXPECT_FALSE(context.pipeline_cache_file().enabled());
    build_a_pipeline(context);
    EXPECT_FALSE(context.save_pipeline_cache());
  }
  ::unsetenv("ALEXNET_VK_PIPELINE_CACHE");
  EXPECT_TRUE(fs::is_empty(dir));
  expect_no_validation_messages(*instance);
}

}  // namespace
}  // namespace alexnet
