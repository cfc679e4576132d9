// Files for tests that read and write them: a fresh directory removed with everything in it, and
// whole-file byte reads and writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace alexnet::testing {

// A new directory under the system temp dir (alexnet_test_XXXXXX), removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `bytes` to `path`, creating its parent directories.
void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);

// The whole file; empty when it cannot be read.
std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);

}  // namespace alexnet::testing
