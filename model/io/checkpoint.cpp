#include "model/io/checkpoint.h"

#include "model/io/faults.h"
#include "model/io/checkpoint_json.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace alexnet {
namespace {

constexpr char kMagic[8] = {'A', 'X', 'V', 'K', 'C', 'K', 'P', 'T'};
constexpr std::uint64_t kMaxHeader = 64u << 20;

template <class T>
void append(std::vector<char>& out, const T& value) {
  const char* bytes = reinterpret_cast<const char*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

std::uint32_t crc_of(const char* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib's length is uInt: feed large buffers in pieces.
  while (size > 0) {
    const uInt piece = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), piece);
    data += piece;
    size -= piece;
  }
  return static_cast<std::uint32_t>(crc);
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  // One line, even when a tensor name from the header holds a line break.
  std::string message = path + ": " + what;
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  throw CheckpointError(message);
}

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, std::string("write failed: ") + std::strerror(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// The format version at bytes 8..11, after the magic; fails on one this build cannot read.
std::uint32_t checked_version(const std::string& path, const char* bytes) {
  if (std::memcmp(bytes, kMagic, 8) != 0) fail(path, "not an alexnet_vk checkpoint (bad magic)");
  std::uint32_t version;
  std::memcpy(&version, bytes + 8, 4);
  if (version < kOldestCheckpointVersion || version > kCheckpointVersion)
    fail(path, "checkpoint format version " + std::to_string(version) + " is not supported (this build reads " +
                   std::to_string(kOldestCheckpointVersion) + " to " + std::to_string(kCheckpointVersion) + ")");
  return version;
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint, const std::string& kill_label) {
  nlohmann::json header = checkpoint.header;
  header["tensors"] = nlohmann::json::array();
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : checkpoint.tensors) {
    header["tensors"].push_back({{"name", name}, {"shape", tensor.shape}, {"offset", offset}, {"count", tensor.data.size()}});
    offset += tensor.data.size() * sizeof(float);
  }
  const std::string text = header.dump();

  std::vector<char> bytes;
  bytes.reserve(8 + 4 + 8 + text.size() + offset + 4);
  bytes.insert(bytes.end(), kMagic, kMagic + 8);
  append(bytes, kCheckpointVersion);
  append(bytes, static_cast<std::uint64_t>(text.size()));
  bytes.insert(bytes.end(), text.begin(), text.end());
  for (const auto& [name, tensor] : checkpoint.tensors) {
    const char* data = reinterpret_cast<const char*>(tensor.data.data());
    bytes.insert(bytes.end(), data, data + tensor.data.size() * sizeof(float));
  }
  append(bytes, crc_of(bytes.data(), bytes.size()));

  const std::filesystem::path target(path);
  const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : ".";
  std::string temp_name = ".";  // built piecewise: GCC 12 warns (-Wrestrict) on "." + name + ".tmp"
  temp_name += target.filename().string();
  temp_name += ".tmp";
  const std::string temp = (folder / temp_name).string();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, std::string("cannot write: ") + std::strerror(errno));
  try {
    if (!kill_label.empty()) {
      // Test-only: stop after exactly B bytes, as a crash in the middle of the write would.
      const std::size_t limit = faults::kill_after_bytes(kill_label);
      if (limit < bytes.size()) {
        write_all(fd, bytes.data(), limit, path);
        faults::kill_point(kill_label + ":bytes:" + std::to_string(limit));
      }
    }
    write_all(fd, bytes.data(), bytes.size(), path);
    if (::fsync(fd) != 0) fail(path, std::string("fsync failed: ") + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  if (!kill_label.empty()) faults::kill_point(kill_label + ":written");
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    fail(path, "cannot replace: " + reason);
  }
  if (!kill_label.empty()) faults::kill_point(kill_label + ":renamed");
  // The rename is durable only once the folder's entry is on disk.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

Checkpoint load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open checkpoint");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8 + 4 + 8 + 4) fail(path, "truncated checkpoint (" + std::to_string(bytes.size()) + " bytes)");
  const std::uint32_t version = checked_version(path, bytes.data());
  std::uint32_t stored_crc;
  std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
  if (crc_of(bytes.data(), bytes.size() - 4) != stored_crc) fail(path, "checksum mismatch: the file is corrupt or truncated");
  std::uint64_t header_size;
  std::memcpy(&header_size, bytes.data() + 12, 8);
  const std::size_t data_start = 20 + header_size;
  if (header_size > kMaxHeader || data_start > bytes.size() - 4) fail(path, "header length out of bounds");

  Checkpoint checkpoint;
  checkpoint.version = version;
  try {
    checkpoint.header = nlohmann::json::parse(bytes.begin() + 20, bytes.begin() + static_cast<long>(data_start));
    const std::size_t data_size = bytes.size() - 4 - data_start;
    for (const auto& t : checkpoint.header.at("tensors")) {
      const auto name = t.at("name").get<std::string>();
      const auto offset = json_integer<std::uint64_t>(t.at("offset"));
      const auto count = json_integer<std::uint64_t>(t.at("count"));
      Tensor tensor;
      tensor.shape = json_integers<int>(t.at("shape"));
      std::uint64_t product = 1;
      for (int d : tensor.shape) {
        if (d <= 0) fail(path, "tensor " + name + " has a non-positive dimension");
        // Past count the shape cannot match it; stopping here also keeps the product from wrapping.
        if (product > count / static_cast<std::uint64_t>(d))
          fail(path, "tensor " + name + ": shape does not match its element count");
        product *= static_cast<std::uint64_t>(d);
      }
      if (product != count) fail(path, "tensor " + name + ": shape does not match its element count");
      if (count > data_size / sizeof(float) || offset > data_size - count * sizeof(float))
        fail(path, "tensor " + name + " lies outside the file");
      tensor.data.resize(count);
      std::memcpy(tensor.data.data(), bytes.data() + data_start + offset, count * sizeof(float));
      checkpoint.tensors[name] = std::move(tensor);
    }
    checkpoint.header.erase("tensors");
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("malformed checkpoint header: ") + e.what());
  }
  return checkpoint;
}

nlohmann::json read_checkpoint_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open checkpoint");
  char prefix[20];
  if (!in.read(prefix, sizeof prefix)) fail(path, "truncated checkpoint");
  checked_version(path, prefix);
  std::uint64_t header_size;
  std::memcpy(&header_size, prefix + 12, 8);
  if (header_size > kMaxHeader) fail(path, "header length out of bounds");
  std::string text(header_size, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(header_size))) fail(path, "truncated checkpoint");
  try {
    auto header = nlohmann::json::parse(text);
    header.erase("tensors");
    return header;
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("malformed checkpoint header: ") + e.what());
  }
}

}  // namespace alexnet
