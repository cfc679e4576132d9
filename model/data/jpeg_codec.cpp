// JPEG decode and encode through libjpeg-turbo.
//
// libjpeg's default error_exit calls exit(); ours formats the message and longjmps back. As in
// png_codec.cpp, the libjpeg calls sit in *_inner functions holding only pointers and scalars
// (setjmp/longjmp must skip no C++ destructors); the caller owns the C++ objects and throws.
#include <cstdio>
// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>

#include <algorithm>
#include <csetjmp>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "model/data/codecs.h"
#include "model/data/error.h"

namespace alexnet::data {
namespace {

// Progressive JPEGs may hold any number of scans, each re-decoding the whole coefficient buffer; a
// few kilobytes of scans can keep a decoder busy for minutes. libjpeg-turbo's own fuzzers and
// TurboJPEG 3 stop at 500; real encoders write about 10.
constexpr int kMaxScans = 500;

struct JpegError {
  jpeg_error_mgr mgr;  // first, so the j_common_ptr's err can be cast back to JpegError
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 64];
};

[[noreturn]] void on_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings are ignored (ImageNet has files with "extraneous bytes before marker" that decode
// fine), except running out of data: libjpeg then invents an end-of-image marker and fills the
// rest with grey, and a half-grey training image is worse than a skipped one. Data can run out at
// the end of the file (JWRN_JPEG_EOF) or at a marker inside it, the end-of-image marker included
// (JWRN_HIT_MARKER, "premature end of data segment"): without the second, a 443-byte file whose
// header says 16384x16384 decoded to a gigabyte of grey (found by tests/fuzz/fuzz_image).
void on_emit_message(j_common_ptr cinfo, int level) {
  if (level < 0 && (cinfo->err->msg_code == JWRN_JPEG_EOF || cinfo->err->msg_code == JWRN_HIT_MARKER))
    on_error_exit(cinfo);
}

void on_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d progressive scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

void install_error_handler(JpegError* err) {
  jpeg_std_error(&err->mgr);
  err->mgr.error_exit = on_error_exit;
  err->mgr.emit_message = on_emit_message;
  std::snprintf(err->message, sizeof err->message, "unknown libjpeg error");
}

// The decoder's header step: reads the markers, checks the size, picks the output colour space.
bool decode_header_inner(jpeg_decompress_struct* cinfo, JpegError* err, jpeg_progress_mgr* progress,
                         const uint8_t* data, std::size_t size, int min_short_side) {
  if (setjmp(err->jump)) return false;
  jpeg_create_decompress(cinfo);
  cinfo->progress = progress;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  if (cinfo->image_width > static_cast<JDIMENSION>(kMaxImageSide) ||
      cinfo->image_height > static_cast<JDIMENSION>(kMaxImageSide) ||
      static_cast<std::size_t>(cinfo->image_width) * cinfo->image_height > kMaxImagePixels) {
    std::snprintf(err->message, sizeof err->message, "image is %ux%u, over the limit of %d a side",
                  cinfo->image_width, cinfo->image_height, kMaxImageSide);
    return false;
  }
  cinfo->scale_num = static_cast<unsigned>(jpeg_scale_for(static_cast<int>(cinfo->image_width),
                                                          static_cast<int>(cinfo->image_height),
                                                          min_short_side));
  cinfo->scale_denom = 8;
  switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    // libjpeg cannot convert CMYK to RGB; we do it below.
    case JCS_CMYK:
    case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; break;
    default: cinfo->out_color_space = JCS_RGB; break;
  }
  jpeg_start_decompress(cinfo);  // reads every scan of a progressive file
  return true;
}

// Decodes rows up to (not including) `until`.
bool decode_rows_inner(jpeg_decompress_struct* cinfo, JpegError* err, uint8_t* pixels,
                       std::size_t stride, JDIMENSION until) {
  if (setjmp(err->jump)) return false;
  while (cinfo->output_scanline < until) {
    JSAMPROW row = pixels + cinfo->output_scanline * stride;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  // jpeg_finish_decompress is not called: once every row is decoded the image is complete, and a
  // file missing only its end marker should not be dropped.
  return true;
}

// CMYK as Adobe writes it (inverted: 255 = no ink), which is what Photoshop-made JPEGs in
// ImageNet carry; without the Adobe marker the values are taken as plain ink amounts.
void cmyk_to_rgb(const uint8_t* cmyk, std::size_t pixels, bool inverted, uint8_t* rgb) {
  for (std::size_t i = 0; i < pixels; ++i) {
    int c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
    if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
    rgb[3 * i] = static_cast<uint8_t>((c * k + 127) / 255);
    rgb[3 * i + 1] = static_cast<uint8_t>((m * k + 127) / 255);
    rgb[3 * i + 2] = static_cast<uint8_t>((y * k + 127) / 255);
  }
}

struct DecompressGuard {
  jpeg_decompress_struct* cinfo;
  ~DecompressGuard() { jpeg_destroy_decompress(cinfo); }  // safe on a zeroed struct
};

bool encode_inner(jpeg_compress_struct* cinfo, JpegError* err, const Image* image, int quality,
                  unsigned char** buffer, unsigned long* size) {
  if (setjmp(err->jump)) return false;
  jpeg_create_compress(cinfo);
  jpeg_mem_dest(cinfo, buffer, size);
  cinfo->image_width = static_cast<JDIMENSION>(image->width);
  cinfo->image_height = static_cast<JDIMENSION>(image->height);
  cinfo->input_components = image->channels;
  cinfo->in_color_space = image->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
  jpeg_start_compress(cinfo, TRUE);
  const std::size_t stride = static_cast<std::size_t>(image->width) * image->channels;
  while (cinfo->next_scanline < cinfo->image_height) {
    // libjpeg takes non-const rows but only reads them.
    JSAMPROW row = const_cast<JSAMPROW>(image->pixels.data() + cinfo->next_scanline * stride);
    jpeg_write_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_compress(cinfo);
  return true;
}

}  // namespace

int jpeg_scale_for(int width, int height, int min_short_side) {
  const int64_t short_side = std::min(width, height);
  if (min_short_side <= 0) return 8;
  for (int m = 1; m < 8; ++m)
    if ((short_side * m + 7) / 8 >= min_short_side) return m;  // libjpeg rounds each side up
  return 8;
}

namespace detail {

Image decode_jpeg(std::span<const uint8_t> bytes, const std::string& name, int min_short_side) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  JpegError err;
  install_error_handler(&err);
  cinfo.err = &err.mgr;
  jpeg_progress_mgr progress;
  std::memset(&progress, 0, sizeof progress);
  progress.progress_monitor = on_progress;
  DecompressGuard guard{&cinfo};

  if (!decode_header_inner(&cinfo, &err, &progress, bytes.data(), bytes.size(), min_short_side))
    throw DataError(name, std::string("corrupt JPEG: ") + err.message);
  const int components = cinfo.output_components;
  if (components != 1 && components != 3 && components != 4)
    throw DataError(name, "corrupt JPEG: " + std::to_string(components) + " output components");
  Image out;
  out.width = static_cast<int>(cinfo.output_width);
  out.height = static_cast<int>(cinfo.output_height);
  out.channels = components == 1 ? 1 : 3;
  // The buffer grows as rows decode (within the reserved capacity, so data() stays put): a header
  // that lies about the size costs address space, not memory, until the data is really there.
  const std::size_t stride = static_cast<std::size_t>(out.width) * components;
  std::vector<uint8_t> decoded;
  decoded.reserve(stride * out.height);
  while (cinfo.output_scanline < cinfo.output_height) {
    const JDIMENSION until = std::min<JDIMENSION>(cinfo.output_height, cinfo.output_scanline + 64);
    decoded.resize(stride * until);
    if (!decode_rows_inner(&cinfo, &err, decoded.data(), stride, until))
      throw DataError(name, std::string("corrupt JPEG: ") + err.message);
  }
  if (components == 4) {
    out.pixels.resize(out.size());
    cmyk_to_rgb(decoded.data(), static_cast<std::size_t>(out.width) * out.height,
                cinfo.saw_Adobe_marker, out.pixels.data());
  } else {
    out.pixels = std::move(decoded);
  }
  return out;
}

}  // namespace detail

std::vector<uint8_t> encode_jpeg(const Image& image, int quality) {
  check_image(image, "encode_jpeg");
  if (image.channels != 1 && image.channels != 3)
    throw std::invalid_argument("encode_jpeg: needs 1 or 3 channels, got " +
                                std::to_string(image.channels));
  if (quality < 1 || quality > 100)
    throw std::invalid_argument("encode_jpeg: quality must be in [1, 100], got " +
                                std::to_string(quality));
  jpeg_compress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  JpegError err;
  install_error_handler(&err);
  cinfo.err = &err.mgr;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool ok = encode_inner(&cinfo, &err, &image, quality, &buffer, &size);
  std::vector<uint8_t> out;
  if (ok) out.assign(buffer, buffer + size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);  // jpeg_mem_dest allocates with malloc and leaves freeing to us
  if (!ok) throw DataError("encode_jpeg", err.message);
  return out;
}

}  // namespace alexnet::data
