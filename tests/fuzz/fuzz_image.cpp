// JPEG and PNG decoding through our loader on arbitrary bytes, then what every decoded image goes
// through next: channel conversion and the training augmentation (resize, centre, pad, crop).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/data/augment.h"
#include "model/data/image.h"
#include "tests/fuzz/fuzz_common.h"

using namespace alexnet::data;

namespace {

void check_decoded(const Image& image) {
  if (image.channels != 1 && image.channels != 3)
    fuzz::finding("decode_image returned " + std::to_string(image.channels) + " channels");
  try {
    check_image(image, "decode_image");
  } catch (const std::invalid_argument& e) {
    fuzz::finding(std::string("decode_image returned a malformed image: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string name = "fuzz-input";
  Image image;
  const bool decoded = fuzz::expect_documented_errors(
      {name + ": "}, [&] { image = decode_image(std::span<const uint8_t>(data, size), name); });
  if (!decoded) return 0;
  check_decoded(image);

  // What the loader does with it: both channel counts, and both augmentation paths
  // (data_source.cpp's augment_for for alexnet-small: folder images are resized to short side 32,
  // centre-cropped to 32 and cropped to 28; IDX-sized images are padded by 2 and cropped to 28).
  const Image grey = to_channels(image, 1), rgb = to_channels(image, 3);
  if (grey.channels != 1 || rgb.channels != 3 || grey.size() != grey.pixels.size() ||
      rgb.size() != rgb.pixels.size())
    fuzz::finding("to_channels returned a malformed image");
  Normalization norm;
  norm.mean = {120.0f, 110.0f, 100.0f};
  norm.eigval = {0.2f, 0.02f, 0.005f};
  norm.eigvec = {{{0.58f, 0.58f, 0.58f}, {0.7f, 0.0f, -0.7f}, {0.4f, -0.8f, 0.4f}}};
  std::vector<float> out(3 * 28 * 28);
  AugmentConfig folder;
  folder.resize_short = 32;
  folder.center = 32;
  folder.crop = 28;
  AugmentConfig idx;
  idx.pad = 2;
  idx.crop = 28;
  idx.channels = 1;
  Normalization grey_norm = norm;
  grey_norm.mean = {120.0f};
  // "augment: ..." is the documented DataError for an image too small or too large to crop. The
  // resize costs time per input pixel (and, with coverage tracing, most of a run), so it is
  // exercised on images up to 64K pixels: any aspect ratio from 1x16384 on, every scale factor.
  if (static_cast<std::size_t>(image.width) * image.height <= 65536)
    fuzz::expect_documented_errors({"augment: "}, [&] {
      augment(image, folder, norm, View::Train, 7, out.data());
      augment(image, folder, norm, View::TenCrop8, 7, out.data());
    });
  fuzz::expect_documented_errors({"augment: "}, [&] {
    augment(image, idx, grey_norm, View::Train, 7, out.data());
  });
  return 0;
}
