// PNG decode and encode through libpng.
//
// libpng reports errors by calling an error function that must not return; we longjmp out of it.
// setjmp/longjmp and C++ mix safely only when no object with a non-trivial destructor lives in
// the frames that longjmp skips or in the setjmp frame's "try" region, so the libpng calls sit in
// small *_inner functions holding only pointers and scalars, while the C++ objects (the Image, the
// row pointers, the libpng structs' owner) live in the caller, which turns failure into a throw.
#include <png.h>

#include <algorithm>
#include <cstring>

#include "model/data/codecs.h"
#include "model/data/error.h"

namespace alexnet::data {
namespace {

// What the libpng callbacks need: the input (or output) bytes and room for the error message.
struct PngIo {
  const uint8_t* data = nullptr;
  std::size_t size = 0, pos = 0;
  std::vector<uint8_t>* sink = nullptr;  // encoding
  char error[256] = "unknown libpng error";
};

void on_error(png_structp png, png_const_charp msg) {
  auto* io = static_cast<PngIo*>(png_get_error_ptr(png));
  std::snprintf(io->error, sizeof io->error, "%s", msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign (e.g. a bad ancillary chunk): ignore

void on_read(png_structp png, png_bytep out, png_size_t n) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  if (n > io->size - io->pos) png_error(png, "truncated: file ends inside a chunk");
  std::memcpy(out, io->data + io->pos, n);
  io->pos += n;
}

void on_write(png_structp png, png_bytep data, png_size_t n) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  io->sink->insert(io->sink->end(), data, data + n);
}

void on_flush(png_structp) {}

// Owns the read or write structs, so every exit path frees them.
struct PngHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  bool writing = false;
  ~PngHandles() {
    if (writing)
      png_destroy_write_struct(&png, info ? &info : nullptr);
    else
      png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  }
};

enum class Step { Ok, Failed };

// Reads the header and sets the transformations. On a size-limit failure writes io->error.
Step read_header_inner(png_structp png, png_infop info, PngIo* io, int* width, int* height,
                       int* channels) {
  if (setjmp(png_jmpbuf(png))) return Step::Failed;
  png_set_read_fn(png, io, on_read);
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_read_info(png, info);
  png_uint_32 w = 0, h = 0;
  int depth = 0, color = 0;
  png_get_IHDR(png, info, &w, &h, &depth, &color, nullptr, nullptr, nullptr);
  if (static_cast<std::size_t>(w) * h > kMaxImagePixels) {
    std::snprintf(io->error, sizeof io->error, "image is %ux%u, over the %zu-pixel limit", w, h,
                  kMaxImagePixels);
    return Step::Failed;
  }
  // Deflate expands at most 1032:1, so a file this size cannot hold this many pixel bytes: refuse
  // it before allocating them (a 175-byte file saying 16384x16384 took 800 MB and seconds to fail,
  // found by tests/fuzz/fuzz_image).
  const std::size_t packed_row =
      (static_cast<std::size_t>(w) * png_get_channels(png, info) * static_cast<std::size_t>(depth) + 7) / 8;
  if (packed_row * h > 1032 * io->size + 1024) {
    std::snprintf(io->error, sizeof io->error,
                  "truncated: %zu bytes cannot hold the pixels of a %ux%u image", io->size, w, h);
    return Step::Failed;
  }
  // Everything to 8-bit grey or RGB: palettes and low bit depths expanded, transparency made into
  // alpha and then dropped, 16-bit rounded (scale, not strip, so 0xffff -> 0xff and 0x8080 -> 0x80).
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (depth == 16) png_set_scale_16(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *width = static_cast<int>(w);
  *height = static_cast<int>(h);
  *channels = png_get_channels(png, info);
  if (*channels != 1 && *channels != 3) {
    std::snprintf(io->error, sizeof io->error, "unexpected %d channels after conversion",
                  *channels);
    return Step::Failed;
  }
  if (png_get_rowbytes(png, info) != static_cast<std::size_t>(w) * *channels) {
    std::snprintf(io->error, sizeof io->error, "unexpected row size after conversion");
    return Step::Failed;
  }
  return Step::Ok;
}

Step read_pixels_inner(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return Step::Failed;
  // png_read_end is not called: an image whose pixels all decoded is usable even when the file
  // lost its IEND chunk, and a large data set should not drop such files.
  png_read_image(png, rows);
  return Step::Ok;
}

Step write_inner(png_structp png, png_infop info, PngIo* io, const Image* image,
                 png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return Step::Failed;
  static constexpr int kColorTypes[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                        PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_write_fn(png, io, on_write, on_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image->width),
               static_cast<png_uint_32>(image->height), 8, kColorTypes[image->channels],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return Step::Ok;
}

}  // namespace

namespace detail {

Image decode_png(std::span<const uint8_t> bytes, const std::string& name) {
  PngIo io;
  io.data = bytes.data();
  io.size = bytes.size();
  PngHandles h;
  h.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning);
  if (!h.png) throw DataError(name, "PNG: cannot create the libpng reader");
  h.info = png_create_info_struct(h.png);
  if (!h.info) throw DataError(name, "PNG: cannot create the libpng info struct");

  Image out;
  if (read_header_inner(h.png, h.info, &io, &out.width, &out.height, &out.channels) != Step::Ok)
    throw DataError(name, std::string("corrupt PNG: ") + io.error);
  out.pixels.resize(out.size());
  std::vector<png_bytep> rows(static_cast<std::size_t>(out.height));
  const std::size_t stride = static_cast<std::size_t>(out.width) * out.channels;
  for (std::size_t y = 0; y < rows.size(); ++y) rows[y] = out.pixels.data() + y * stride;
  if (read_pixels_inner(h.png, rows.data()) != Step::Ok)
    throw DataError(name, std::string("corrupt PNG: ") + io.error);
  return out;
}

}  // namespace detail

std::vector<uint8_t> encode_png(const Image& image) {
  check_image(image, "encode_png");
  std::vector<uint8_t> bytes;
  PngIo io;
  io.sink = &bytes;
  PngHandles h;
  h.writing = true;
  h.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning);
  if (!h.png) throw DataError("encode_png", "cannot create the libpng writer");
  h.info = png_create_info_struct(h.png);
  if (!h.info) throw DataError("encode_png", "cannot create the libpng info struct");
  std::vector<png_bytep> rows(static_cast<std::size_t>(image.height));
  const std::size_t stride = static_cast<std::size_t>(image.width) * image.channels;
  for (std::size_t y = 0; y < rows.size(); ++y)
    rows[y] = const_cast<png_bytep>(image.pixels.data() + y * stride);  // libpng only reads them
  if (write_inner(h.png, h.info, &io, &image, rows.data()) != Step::Ok)
    throw DataError("encode_png", io.error);
  return bytes;
}

}  // namespace alexnet::data
