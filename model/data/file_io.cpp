// Memory maps and atomic writes. See file_io.h.
#include "model/data/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "model/data/error.h"

namespace alexnet::data {
namespace {

std::string errno_text() { return std::strerror(errno); }

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedFile::MappedFile(const std::string& path) : path_(path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw DataError(path, "cannot open: " + errno_text());
  struct stat st;
  if (::fstat(f.fd, &st) != 0) throw DataError(path, "cannot stat: " + errno_text());
  if (!S_ISREG(st.st_mode)) throw DataError(path, "not a regular file");
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ == 0) return;
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, f.fd, 0);
  if (p == MAP_FAILED) throw DataError(path, "cannot map " + std::to_string(size_) + " bytes: " + errno_text());
  data_ = static_cast<const uint8_t*>(p);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    path_ = std::move(other.path_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

std::string temporary_prefix(const std::string& path) { return path + ".tmp."; }

void fsync_folder(const std::string& dir) {
  Fd f{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (f.fd < 0) throw DataError(dir, "cannot open the folder to sync it: " + errno_text());
  if (::fsync(f.fd) != 0) throw DataError(dir, "cannot sync the folder: " + errno_text());
}

void write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& write,
                           const std::function<void()>& before_rename) {
  // Unique per process and call, so concurrent writers never share a temporary.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = temporary_prefix(path) + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1));
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (f.fd < 0) throw DataError(path, "cannot create " + tmp + ": " + errno_text());
  std::string failure;
  const ByteSink sink = [&](const void* data, std::size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0 && failure.empty()) {
      const ssize_t n = ::write(f.fd, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failure = "write failed: " + errno_text();
        break;
      }
      p += n;
      size -= static_cast<std::size_t>(n);
    }
  };
  try {
    write(sink);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (failure.empty() && ::fsync(f.fd) != 0) failure = "fsync failed: " + errno_text();
  const int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0 && failure.empty()) failure = "close failed: " + errno_text();
  if (!failure.empty()) {
    ::unlink(tmp.c_str());
    throw DataError(path, failure);
  }
  if (before_rename) {
    try {
      before_rename();
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw DataError(path, "rename from " + tmp + " failed: " + why);
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  fsync_folder(parent.empty() ? "." : parent.string());
}

}  // namespace alexnet::data
