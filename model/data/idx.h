// IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte
// magic 0x00 0x00 <type> <ndims>, ndims big-endian uint32 sizes, then the data. We read unsigned
// bytes only (type 0x08): images (magic 0x00000803, sizes count, rows, cols) and labels (magic
// 0x00000801, size count). Files may be raw or gzip-compressed; gzip is detected by its magic
// bytes (1f 8b), not by the name, because the ".gz" is routinely dropped or kept by accident.
//
// The readers are built to be fuzzed: the header is validated before anything is allocated, the
// payload must be exactly what the header announces (truncation and trailing bytes are both
// errors), and memory grows only as decompressed data actually arrives, so a header that claims
// billions of images cannot make us allocate gigabytes. Every failure is a one-line DataError
// naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace alexnet::data {

// Largest payload we accept (4 GiB, ~70x EMNIST): a bound on what a header may announce.
inline constexpr uint64_t kMaxIdxPayloadBytes = uint64_t{1} << 32;

struct IdxImages {
  std::size_t count = 0;
  int rows = 0, cols = 0;       // each in [1, kMaxImageSide]
  std::vector<uint8_t> pixels;  // (count, rows, cols), row-major, 0 = background
};

IdxImages read_idx_images(const std::string& path);
std::vector<uint8_t> read_idx_labels(const std::string& path);

// Writers, for tests and for preparing small data sets. gzip = true writes a .gz stream
// (whatever the name says). Throw DataError when the file cannot be written.
void write_idx_images(const std::string& path, const IdxImages& images, bool gzip);
void write_idx_labels(const std::string& path, std::span<const uint8_t> labels, bool gzip);

}  // namespace alexnet::data
