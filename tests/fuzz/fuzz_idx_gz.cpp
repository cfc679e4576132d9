// IDX readers behind gzip. Mutating a .gz file mostly breaks its CRC, so this target compresses the
// input itself: the IDX parser sees every mutation through a valid gzip stream.
//
// Input: one mode byte, then the IDX payload. Mode bit 0 set: the gzip stream is cut short by
// (mode >> 1) bytes (0 = only its last byte), exercising truncated-stream handling.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/data/idx.h"
#include "tests/fuzz/fuzz_common.h"

using namespace alexnet::data;

namespace {

std::vector<uint8_t> gzip(const uint8_t* data, std::size_t size) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper, as gzopen/gzwrite write.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    fuzz::finding("deflateInit2 failed");
  std::vector<uint8_t> out(deflateBound(&z, static_cast<uLong>(size)) + 32);
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) fuzz::finding("deflate failed");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::vector<uint8_t> gz = gzip(data + 1, size - 1);
  if (mode & 1) gz.resize(gz.size() - std::min<std::size_t>(gz.size(), (mode >> 1) + 1u));
  const std::string path = fuzz::write_scratch("input-idx3-ubyte.gz", gz.data(), gz.size());
  const fuzz::Expected expected{path + ": "};
  fuzz::expect_documented_errors(expected, [&] {
    const IdxImages images = read_idx_images(path);
    if (mode & 1) fuzz::finding("read_idx_images accepted a truncated gzip stream");
    if (images.pixels.size() != images.count * static_cast<std::size_t>(images.rows) *
                                    static_cast<std::size_t>(images.cols))
      fuzz::finding("read_idx_images: pixel count does not match count x rows x cols");
  });
  fuzz::expect_documented_errors(expected, [&] {
    read_idx_labels(path);
    if (mode & 1) fuzz::finding("read_idx_labels accepted a truncated gzip stream");
  });
  return 0;
}
