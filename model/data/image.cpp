// Format dispatch, file I/O and channel conversion; the codecs are in png_codec.cpp and
// jpeg_codec.cpp.
#include "model/data/image.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "model/data/codecs.h"
#include "model/data/error.h"

namespace alexnet::data {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string first_bytes_hex(std::span<const uint8_t> bytes) {
  std::string s;
  char buf[4];
  for (std::size_t i = 0; i < bytes.size() && i < 4; ++i) {
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", bytes[i]);
    s += buf;
  }
  return s;
}

}  // namespace

void check_image(const Image& image, const char* who) {
  if (image.width <= 0 || image.height <= 0 || image.width > kMaxImageSide ||
      image.height > kMaxImageSide)
    throw std::invalid_argument(std::string(who) + ": bad image size " +
                                std::to_string(image.width) + "x" + std::to_string(image.height));
  if (image.channels < 1 || image.channels > 4)
    throw std::invalid_argument(std::string(who) + ": bad channel count " +
                                std::to_string(image.channels));
  if (image.pixels.size() != image.size())
    throw std::invalid_argument(std::string(who) + ": " + std::to_string(image.pixels.size()) +
                                " pixel bytes for a " + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + "x" +
                                std::to_string(image.channels) + " image");
}

Image decode_image(std::span<const uint8_t> bytes, const std::string& name_for_errors,
                   int min_short_side) {
  static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (bytes.empty()) throw DataError(name_for_errors, "empty file, not an image");
  if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
    return detail::decode_jpeg(bytes, name_for_errors, min_short_side);
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPng, 8) == 0)
    return detail::decode_png(bytes, name_for_errors);
  throw DataError(name_for_errors, "not a JPEG or PNG (starts with " + first_bytes_hex(bytes) + ")");
}

std::vector<uint8_t> read_file_bytes(const std::string& path, std::size_t max_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw DataError(path, "cannot open: " + errno_text());
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  struct stat st;
  if (fstat(fileno(f), &st) != 0) throw DataError(path, "cannot stat: " + errno_text());
  if (!S_ISREG(st.st_mode)) throw DataError(path, "not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    throw DataError(path, "file is " + std::to_string(st.st_size) + " bytes, over the " +
                              std::to_string(max_bytes) + "-byte limit");
  std::vector<uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  const std::size_t got = std::fread(bytes.data(), 1, bytes.size(), f);
  if (got != bytes.size())
    throw DataError(path, "read " + std::to_string(got) + " of " + std::to_string(bytes.size()) +
                              " bytes: " + (std::ferror(f) ? errno_text() : "file shrank"));
  return bytes;
}

Image load_image(const std::string& path, int min_short_side) {
  const std::vector<uint8_t> bytes = read_file_bytes(path, kMaxImageFileBytes);
  return decode_image(bytes, path, min_short_side);
}

void write_png(const std::string& path, const Image& image) {
  const std::vector<uint8_t> bytes = encode_png(image);
  // Unique per process and call, so concurrent writers of the same path never share a temp file.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw DataError(path, "cannot create " + tmp + ": " + errno_text());
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    const std::string why = errno_text();
    std::remove(tmp.c_str());
    throw DataError(path, "write failed: " + why);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    std::remove(tmp.c_str());
    throw DataError(path, "rename from " + tmp + " failed: " + why);
  }
}

Image to_channels(Image image, int channels) {
  check_image(image, "to_channels");
  if (channels != 1 && channels != 3)
    throw std::invalid_argument("to_channels: target must be 1 or 3 channels, got " +
                                std::to_string(channels));
  if (image.channels != 1 && image.channels != 3)
    throw std::invalid_argument("to_channels: source must be 1 or 3 channels, got " +
                                std::to_string(image.channels));
  if (image.channels == channels) return image;
  Image out{image.width, image.height, channels, {}};
  const std::size_t n = static_cast<std::size_t>(image.width) * image.height;
  out.pixels.resize(n * channels);
  const uint8_t* s = image.pixels.data();
  uint8_t* d = out.pixels.data();
  if (channels == 3) {
    for (std::size_t i = 0; i < n; ++i) d[3 * i] = d[3 * i + 1] = d[3 * i + 2] = s[i];
  } else {
    // Fixed point with the weights libjpeg uses (scaled by 2^16), rounded: exact and fast.
    for (std::size_t i = 0; i < n; ++i)
      d[i] = static_cast<uint8_t>((19595u * s[3 * i] + 38470u * s[3 * i + 1] +
                                   7471u * s[3 * i + 2] + 32768u) >> 16);
  }
  return out;
}

}  // namespace alexnet::data
