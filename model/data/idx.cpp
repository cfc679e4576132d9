// IDX reading and writing. See idx.h for the format and the robustness promises.
#include "model/data/idx.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "model/data/error.h"
#include "model/data/image.h"

namespace alexnet::data {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;
constexpr std::size_t kChunk = std::size_t{1} << 20;

std::string errno_text() { return std::strerror(errno); }

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// A byte stream over a raw file or a gzip stream, chosen by the file's first two bytes.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw DataError(path, "cannot open: " + errno_text());
    file_.reset(f);
    // fopen succeeds on a directory on Linux; say what is wrong instead of "read error".
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) throw DataError(path, "is a directory");
    unsigned char magic[2] = {0, 0};
    const std::size_t n = std::fread(magic, 1, 2, f);
    if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      file_.reset();
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) throw DataError(path, "cannot open gzip stream: " + errno_text());
      gzbuffer(gz_, 1 << 17);
    } else {
      if (std::fseek(f, 0, SEEK_END) != 0) throw DataError(path, "cannot seek: " + errno_text());
      const long size = std::ftell(f);
      if (size < 0) throw DataError(path, "cannot tell size: " + errno_text());
      raw_size_ = static_cast<uint64_t>(size);
      std::rewind(f);
    }
  }
  ~ByteSource() {
    if (gz_) gzclose(gz_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  bool gzip() const { return gz_ != nullptr; }
  // Size of a raw file; nullopt for gzip, whose decompressed size is unknown until read.
  std::optional<uint64_t> raw_size() const { return raw_size_; }

  // Reads up to n bytes; fewer only at the end of the data. Throws on I/O and gzip errors.
  std::size_t read(uint8_t* dst, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const std::size_t want = std::min(n - got, kChunk);
      std::size_t r;
      if (gz_) {
        const int k = gzread(gz_, dst + got, static_cast<unsigned>(want));
        if (k < 0) {
          int code = 0;
          const char* msg = gzerror(gz_, &code);
          throw DataError(path_, std::string("corrupt gzip stream: ") + (msg ? msg : "?"));
        }
        r = static_cast<std::size_t>(k);
        // zlib reports a gzip stream cut short as a soft error: gzread returns what it had.
        if (r < want) {
          int code = Z_OK;
          gzerror(gz_, &code);
          if (code == Z_BUF_ERROR)
            throw DataError(path_, "truncated gzip stream: unexpected end of file");
        }
      } else {
        r = std::fread(dst + got, 1, want, file_.get());
        if (r < want && std::ferror(file_.get()))
          throw DataError(path_, "read error: " + errno_text());
      }
      if (r == 0) break;
      got += r;
    }
    return got;
  }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  gzFile gz_ = nullptr;
  std::optional<uint64_t> raw_size_;
};

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Reads and checks the magic and the sizes. `what` names the kind ("images", "labels").
std::vector<uint32_t> read_header(ByteSource& src, const std::string& path, uint32_t magic,
                                  const char* what) {
  uint8_t head[4];
  const std::size_t n = src.read(head, 4);
  if (n < 4)
    throw DataError(path, "truncated: " + std::to_string(n) +
                              " bytes, shorter than the 4-byte IDX magic number");
  const uint32_t got = be32(head);
  if (got != magic) {
    std::string hint;
    if (got == kImagesMagic) hint = " (this is an IDX images file)";
    if (got == kLabelsMagic) hint = " (this is an IDX labels file)";
    throw DataError(path, std::string("not an IDX ") + what + " file: magic " + hex32(got) +
                              ", expected " + hex32(magic) + hint);
  }
  const std::size_t ndims = magic & 0xff;
  std::vector<uint32_t> dims(ndims);
  uint8_t buf[12];
  const std::size_t h = src.read(buf, 4 * ndims);
  if (h < 4 * ndims)
    throw DataError(path, "truncated: the IDX header needs " + std::to_string(4 + 4 * ndims) +
                              " bytes, the file holds " + std::to_string(4 + h));
  for (std::size_t i = 0; i < ndims; ++i) dims[i] = be32(buf + 4 * i);
  return dims;
}

// Reads exactly `size` payload bytes and checks nothing follows. `describe` is the header's
// claim in words ("60000 images of 28x28"), `unit` what the bytes are ("pixels").
std::vector<uint8_t> read_payload(ByteSource& src, const std::string& path, uint64_t size,
                                  uint64_t header_bytes, const std::string& describe,
                                  const char* unit) {
  const std::string held = src.gzip() ? " (decompressed)" : "";
  if (size > kMaxIdxPayloadBytes)
    throw DataError(path, "header says " + describe + ", " + std::to_string(size) +
                              " bytes, over the " + std::to_string(kMaxIdxPayloadBytes) +
                              "-byte limit");
  // A raw file's size is known: refuse a lying header before allocating anything.
  if (src.raw_size()) {
    const uint64_t have = *src.raw_size() - header_bytes;
    if (have < size)
      throw DataError(path, "truncated: header says " + describe + ", file holds " +
                                std::to_string(have) + " bytes of " + unit);
    if (have > size)
      throw DataError(path, std::to_string(have - size) + " bytes of trailing data after " +
                                describe);
  }
  // Grow as data arrives, so a gzip file with a lying header costs only what it holds.
  std::vector<uint8_t> out;
  uint64_t got = 0;
  while (got < size) {
    const std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(size - got, kChunk));
    out.resize(static_cast<std::size_t>(got) + want);
    const std::size_t r = src.read(out.data() + got, want);
    got += r;
    if (r < want) break;
  }
  if (got < size)
    throw DataError(path, "truncated: header says " + describe + ", file holds " +
                              std::to_string(got) + " bytes of " + unit + held);
  uint8_t extra;
  if (src.read(&extra, 1) != 0)
    throw DataError(path, "trailing data after " + describe + held);
  return out;
}

// A gzip or raw writer with error checks, for the test and data-preparation writers.
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip) {
  if (gzip) {
    gzFile gz = gzopen(path.c_str(), "wb");
    if (!gz) throw DataError(path, "cannot create: " + errno_text());
    std::size_t done = 0;
    bool ok = true;
    while (ok && done < bytes.size()) {
      const unsigned n = static_cast<unsigned>(std::min(bytes.size() - done, kChunk));
      ok = gzwrite(gz, bytes.data() + done, n) == static_cast<int>(n);
      done += n;
    }
    if (gzclose(gz) != Z_OK || !ok) throw DataError(path, "write failed");
    return;
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw DataError(path, "cannot create: " + errno_text());
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) throw DataError(path, "write failed: " + errno_text());
}

void put32(std::vector<uint8_t>& out, uint64_t v, const std::string& path) {
  if (v > 0xffffffffull) throw DataError(path, "size " + std::to_string(v) + " does not fit IDX");
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  ByteSource src(path);
  const std::vector<uint32_t> dims = read_header(src, path, kImagesMagic, "images");
  IdxImages out;
  out.count = dims[0];
  const std::string describe = std::to_string(dims[0]) + " images of " + std::to_string(dims[1]) +
                               "x" + std::to_string(dims[2]);
  if (dims[1] == 0 || dims[2] == 0 || dims[1] > static_cast<uint32_t>(kMaxImageSide) ||
      dims[2] > static_cast<uint32_t>(kMaxImageSide))
    throw DataError(path, "header says " + describe + ": image sides must be in [1, " +
                              std::to_string(kMaxImageSide) + "]");
  out.rows = static_cast<int>(dims[1]);
  out.cols = static_cast<int>(dims[2]);
  // Cannot overflow: count < 2^32 and rows * cols <= 2^28.
  const uint64_t size = uint64_t{dims[0]} * dims[1] * dims[2];
  out.pixels = read_payload(src, path, size, 16, describe, "pixels");
  return out;
}

std::vector<uint8_t> read_idx_labels(const std::string& path) {
  ByteSource src(path);
  const std::vector<uint32_t> dims = read_header(src, path, kLabelsMagic, "labels");
  return read_payload(src, path, dims[0], 8, std::to_string(dims[0]) + " labels", "labels");
}

void write_idx_images(const std::string& path, const IdxImages& images, bool gzip) {
  if (images.pixels.size() != images.count * static_cast<std::size_t>(images.rows) *
                                  static_cast<std::size_t>(images.cols))
    throw std::invalid_argument("write_idx_images: pixels do not match count x rows x cols");
  std::vector<uint8_t> bytes;
  bytes.reserve(16 + images.pixels.size());
  put32(bytes, kImagesMagic, path);
  put32(bytes, images.count, path);
  put32(bytes, static_cast<uint64_t>(images.rows), path);
  put32(bytes, static_cast<uint64_t>(images.cols), path);
  bytes.insert(bytes.end(), images.pixels.begin(), images.pixels.end());
  write_bytes(path, bytes, gzip);
}

void write_idx_labels(const std::string& path, std::span<const uint8_t> labels, bool gzip) {
  std::vector<uint8_t> bytes;
  bytes.reserve(8 + labels.size());
  put32(bytes, kLabelsMagic, path);
  put32(bytes, labels.size(), path);
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  write_bytes(path, bytes, gzip);
}

}  // namespace alexnet::data
