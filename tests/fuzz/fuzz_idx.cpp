// IDX readers on arbitrary bytes: the input is the whole file, raw or (if it starts 1f 8b) gzip.
#include <cstddef>
#include <cstdint>

#include "model/data/idx.h"
#include "model/data/image.h"
#include "tests/fuzz/fuzz_common.h"

using namespace alexnet::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string path = fuzz::write_scratch("input-idx3-ubyte", data, size);
  const fuzz::Expected expected{path + ": "};
  fuzz::expect_documented_errors(expected, [&] {
    const IdxImages images = read_idx_images(path);
    if (images.rows < 1 || images.cols < 1 || images.rows > kMaxImageSide ||
        images.cols > kMaxImageSide)
      fuzz::finding("read_idx_images returned sides outside [1, kMaxImageSide]");
    if (images.pixels.size() != images.count * static_cast<std::size_t>(images.rows) *
                                    static_cast<std::size_t>(images.cols))
      fuzz::finding("read_idx_images: pixel count does not match count x rows x cols");
  });
  fuzz::expect_documented_errors(expected, [&] { read_idx_labels(path); });
  return 0;
}
