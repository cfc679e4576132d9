// Files the packed format needs: read-only memory maps, and writes that are all-or-nothing
// (a temporary in the same folder, fsync, rename over the target, fsync the folder), so that a
// crash or SIGKILL at any moment leaves either the old file or the complete new one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace alexnet::data {

// The whole of a regular file, mapped read-only (an empty file maps to an empty span). Move-only.
// Throws DataError naming the path when it cannot be opened, is not a regular file, or cannot be
// mapped. The file must not be truncated while mapped (reading past its new end is SIGBUS):
// packed files are only ever replaced by rename, which leaves the mapped one intact.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Writes `path` atomically from pieces produced by `write` (called with a sink that appends
// bytes). `before_rename` runs after the temporary is complete and fsynced, before the rename
// (the crash-safety tests kill the process there). Throws DataError naming the path; the
// temporary is removed on failure.
using ByteSink = std::function<void(const void* data, std::size_t size)>;
void write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& write,
                           const std::function<void()>& before_rename = {});

// fsync of a folder, so a rename or unlink in it is on disk. DataError naming the folder.
void fsync_folder(const std::string& dir);

// The temporary-file prefix write_file_atomically uses for `path`; stale temporaries (left by a
// killed process) start with it and can be removed.
std::string temporary_prefix(const std::string& path);

}  // namespace alexnet::data
