// Writes the seed corpus of every fuzz target: small valid inputs made by our own writers (and by
// libpng / libjpeg directly for the formats we only read), so nothing binary is committed and
// nothing is downloaded. Usage: make_corpus OUT_DIR; writes OUT_DIR/<target>/<seed>.
#include <cstdio>  // jpeglib.h needs size_t and FILE declared first
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/graph/arch_json.h"
#include "model/io/checkpoint.h"
#include "model/data/idx.h"
#include "model/data/image.h"
#include "model/io/safetensors.h"
#include "tests/fuzz/packed_seeds.h"

namespace fs = std::filesystem;
using namespace alexnet;
using Bytes = std::vector<uint8_t>;

namespace {

fs::path g_out;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "make_corpus: %s\n", what.c_str());
  std::exit(1);
}

void put(const std::string& target, const std::string& name, const Bytes& bytes) {
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) die("cannot write " + (dir / name).string());
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A smooth pattern with distinct channels.
data::Image pattern(int w, int h, int c) {
  data::Image im{w, h, c, Bytes(static_cast<std::size_t>(w) * h * c)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch)
        im.pixels[(static_cast<std::size_t>(y) * w + x) * c + ch] =
            static_cast<uint8_t>(x * 200 / w + y * 50 / h + ch * 40);
  return im;
}

// ---- PNG and JPEG through libpng / libjpeg directly: the variants our encoders do not write ----

void png_append(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<Bytes*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

// rows: the packed bytes libpng expects for this colour type and depth.
Bytes raw_png(int w, int h, int color, int depth, bool interlace, const std::vector<Bytes>& rows,
              const std::vector<png_color>& palette = {}, const Bytes& trns = {}) {
  Bytes out;
  std::vector<png_bytep> ptrs;
  for (const Bytes& r : rows) ptrs.push_back(const_cast<png_bytep>(r.data()));
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) die("libpng write failed");
  png_set_write_fn(png, &out, png_append, nullptr);
  png_set_IHDR(png, info, w, h, depth, color, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  if (!trns.empty()) png_set_tRNS(png, info, trns.data(), static_cast<int>(trns.size()), nullptr);
  png_write_info(png, info);
  png_write_image(png, ptrs.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

struct JpegJump {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};

void jpeg_fail(j_common_ptr cinfo) { std::longjmp(reinterpret_cast<JpegJump*>(cinfo->err)->jump, 1); }

// components 1 (grey), 3 (RGB) or 4 (CMYK, with the Adobe marker libjpeg writes for it).
Bytes raw_jpeg(int w, int h, int components, bool progressive, int restart_rows) {
  const Bytes pixels = pattern(w, h, components).pixels;
  jpeg_compress_struct cinfo;
  JpegJump err;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  if (setjmp(err.jump)) die("libjpeg write failed");
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 75, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  cinfo.restart_in_rows = restart_rows;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(pixels.data() + cinfo.next_scanline * w * components);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  Bytes out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

// A JPEG whose frame header claims w x h (its scan data is for the original, much smaller size).
Bytes claim_jpeg_size(Bytes jpeg, int w, int h) {
  for (std::size_t i = 2; i + 8 < jpeg.size(); ++i)
    if (jpeg[i] == 0xff && (jpeg[i + 1] == 0xc0 || jpeg[i + 1] == 0xc2)) {
      jpeg[i + 5] = static_cast<uint8_t>(h >> 8);
      jpeg[i + 6] = static_cast<uint8_t>(h);
      jpeg[i + 7] = static_cast<uint8_t>(w >> 8);
      jpeg[i + 8] = static_cast<uint8_t>(w);
      return jpeg;
    }
  die("no SOF marker");
}

// An 8-bit RGB PNG whose header says w x h but whose data holds only two rows.
Bytes claim_png_size(uint32_t w, uint32_t h) {
  auto be32 = [](Bytes& b, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
  };
  auto chunk = [&](Bytes& out, const char* type, const Bytes& data) {
    be32(out, static_cast<uint32_t>(data.size()));
    Bytes body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    out.insert(out.end(), body.begin(), body.end());
    be32(out, static_cast<uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
  };
  Bytes out = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  Bytes ihdr;
  be32(ihdr, w);
  be32(ihdr, h);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
  chunk(out, "IHDR", ihdr);
  const Bytes raw(2 * (1 + 3 * static_cast<std::size_t>(w)), 0);
  Bytes z(compressBound(static_cast<uLong>(raw.size())));
  uLongf zn = static_cast<uLongf>(z.size());
  if (compress2(z.data(), &zn, raw.data(), static_cast<uLong>(raw.size()), 9) != Z_OK) die("compress2");
  z.resize(zn);
  chunk(out, "IDAT", z);
  chunk(out, "IEND", {});
  return out;
}

// Every image seed: name -> bytes.
std::vector<std::pair<std::string, Bytes>> image_seeds() {
  std::vector<std::pair<std::string, Bytes>> s;
  s.emplace_back("grey.png", data::encode_png(pattern(7, 5, 1)));
  s.emplace_back("grey_alpha.png", data::encode_png(pattern(6, 4, 2)));
  s.emplace_back("rgb.png", data::encode_png(pattern(9, 6, 3)));
  s.emplace_back("rgba.png", data::encode_png(pattern(5, 7, 4)));
  s.emplace_back("idx_size.png", data::encode_png(pattern(28, 28, 1)));
  const std::vector<png_color> palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
  s.emplace_back("palette.png", raw_png(4, 2, PNG_COLOR_TYPE_PALETTE, 8, false,
                                        {{0, 1, 2, 3}, {3, 2, 1, 0}}, palette));
  s.emplace_back("palette_trns.png", raw_png(4, 2, PNG_COLOR_TYPE_PALETTE, 8, false,
                                             {{0, 1, 2, 3}, {3, 2, 1, 0}}, palette, {255, 0, 128}));
  s.emplace_back("palette_2bit.png", raw_png(8, 2, PNG_COLOR_TYPE_PALETTE, 2, false,
                                             {{0x1b, 0xe4}, {0xe4, 0x1b}}, palette));
  s.emplace_back("grey_1bit.png",
                 raw_png(8, 2, PNG_COLOR_TYPE_GRAY, 1, false, {{0xa5}, {0x0f}}));
  s.emplace_back("grey_4bit_interlaced.png",
                 raw_png(6, 5, PNG_COLOR_TYPE_GRAY, 4, true,
                         {{0x01, 0x23, 0x45}, {0x67, 0x89, 0xab}, {0xcd, 0xef, 0x01},
                          {0x23, 0x45, 0x67}, {0x89, 0xab, 0xcd}}));
  s.emplace_back("rgb16.png", raw_png(2, 1, PNG_COLOR_TYPE_RGB, 16, false,
                                      {{0xff, 0xff, 0x00, 0x00, 0x80, 0x80, 0x12, 0x34, 0xfe,
                                        0xdc, 0x01, 0x01}}));
  s.emplace_back("rgba16_interlaced.png",
                 raw_png(3, 3, PNG_COLOR_TYPE_RGB_ALPHA, 16, true,
                         std::vector<Bytes>(3, Bytes(24, 0x5a))));
  s.emplace_back("grey.jpg", data::encode_jpeg(pattern(16, 8, 1), 80));
  s.emplace_back("rgb.jpg", data::encode_jpeg(pattern(17, 9, 3), 80));
  s.emplace_back("rgb_progressive.jpg", raw_jpeg(12, 10, 3, true, 0));
  s.emplace_back("grey_progressive.jpg", raw_jpeg(9, 9, 1, true, 0));
  s.emplace_back("rgb_restart.jpg", raw_jpeg(16, 24, 3, false, 1));
  s.emplace_back("cmyk.jpg", raw_jpeg(8, 8, 4, false, 0));
  // Regressions (docs/reliability.md): tiny files claiming the largest size we accept.
  s.emplace_back("regress-claims-16384-cmyk.jpg", claim_jpeg_size(raw_jpeg(8, 8, 4, false, 0), 16384, 16384));
  s.emplace_back("regress-claims-16384-rgb.jpg", claim_jpeg_size(data::encode_jpeg(pattern(17, 9, 3), 80), 16384, 16384));
  s.emplace_back("regress-claims-16384.png", claim_png_size(16384, 16384));
  return s;
}

// ---- IDX ----

data::IdxImages small_images() {
  data::IdxImages im;
  im.count = 3;
  im.rows = 4;
  im.cols = 5;
  for (std::size_t i = 0; i < 3 * 4 * 5; ++i) im.pixels.push_back(static_cast<uint8_t>(i * 4));
  return im;
}

Bytes idx_file(bool images, bool gzip, const data::IdxImages& im, const Bytes& labels) {
  const std::string tmp = (g_out / ".tmp.idx").string();
  if (images) data::write_idx_images(tmp, im, gzip);
  else data::write_idx_labels(tmp, labels, gzip);
  Bytes b = read_all(tmp);
  fs::remove(tmp);
  return b;
}

// ---- the data-folder target's record format (see fuzz_data_folder.cpp) ----

void record(Bytes& out, int kind, const std::string& name, const Bytes& body) {
  out.push_back(static_cast<uint8_t>(kind));
  out.push_back(static_cast<uint8_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  out.push_back(static_cast<uint8_t>(body.size() & 0xff));
  out.push_back(static_cast<uint8_t>(body.size() >> 8));
  out.insert(out.end(), body.begin(), body.end());
}

// ---- checkpoints, safetensors, architectures ----

nlohmann::json header_for(const Arch& arch) {
  nlohmann::json h;
  h["arch"] = arch_to_json(arch);
  h["normalization"] = {{"mean", std::vector<float>(arch.in_channels, 72.9f)},
                        {"pixel_scale", arch.pixel_scale},
                        {"eigval", {0.2, 0.02, 0.005}},
                        {"eigvec", {{0.58, 0.58, 0.58}, {0.7, 0.0, -0.7}, {0.4, -0.8, 0.4}}}};
  std::vector<std::string> classes;
  for (int k = 0; k < arch.classes; ++k) classes.push_back("class" + std::to_string(k));
  h["classes"] = classes;
  h["train"] = {{"epoch", 1},         {"batch_in_epoch", 17}, {"step", 486},
                {"lr", 0.01},         {"seed", 1},            {"batch", 128},
                {"best_val_loss", 0.4}, {"epochs_without_improvement", 0},
                {"last_loss", 0.35},  {"data_kind", "idx"}};
  return h;
}

Bytes checkpoint_bytes(const Checkpoint& c) {
  const std::string tmp = (g_out / ".tmp.ckpt").string();
  save_checkpoint(tmp, c);
  Bytes b = read_all(tmp);
  fs::remove(tmp);
  return b;
}

// A checkpoint file by hand, without its CRC (fuzz_checkpoint appends it): for the regression
// seeds, whose headers save_checkpoint would never write.
Bytes raw_checkpoint(const std::string& header, std::size_t floats) {
  Bytes b = bytes_of("AXVKCKPT");
  const std::uint32_t version = kCheckpointVersion;
  const std::uint64_t size = header.size();
  b.insert(b.end(), reinterpret_cast<const uint8_t*>(&version), reinterpret_cast<const uint8_t*>(&version) + 4);
  b.insert(b.end(), reinterpret_cast<const uint8_t*>(&size), reinterpret_cast<const uint8_t*>(&size) + 8);
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), floats * 4, 0);
  return b;
}

// A safetensors file by hand.
Bytes raw_safetensors(const std::string& header, std::size_t bytes) {
  Bytes b;
  const std::uint64_t size = header.size();
  b.insert(b.end(), reinterpret_cast<const uint8_t*>(&size), reinterpret_cast<const uint8_t*>(&size) + 8);
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), bytes, 0);
  return b;
}

// IDX files of small_images(), raw and gzip.
void put_idx_seeds() {
  const data::IdxImages im = small_images();
  const Bytes labels = {0, 1, 2};
  const data::IdxImages empty{0, 28, 28, {}};
  for (bool gz : {false, true}) {
    const std::string ext = gz ? ".gz" : "";
    put("idx", "images-idx3-ubyte" + ext, idx_file(true, gz, im, labels));
    put("idx", "labels-idx1-ubyte" + ext, idx_file(false, gz, im, labels));
    put("idx", "empty-images-idx3-ubyte" + ext, idx_file(true, gz, empty, {}));
  }
  // fuzz_idx_gz: mode byte, then the uncompressed IDX file.
  for (uint8_t mode : {0, 1, 9}) {
    Bytes a{mode}, b{mode};
    const Bytes ri = idx_file(true, false, im, labels), rl = idx_file(false, false, im, labels);
    a.insert(a.end(), ri.begin(), ri.end());
    b.insert(b.end(), rl.begin(), rl.end());
    put("idx_gz", "images-mode" + std::to_string(mode), a);
    put("idx_gz", "labels-mode" + std::to_string(mode), b);
  }
}

// Data folders: an image folder (train/ and val/, two classes, PNG and JPEG, a hidden file, a
// corrupt file, a file of another type) and IDX folders (raw and gzip).
void put_folder_seeds(const std::vector<std::pair<std::string, Bytes>>& images) {
  const data::IdxImages im = small_images();
  const Bytes labels = {0, 1, 2};
  auto find = [&](const std::string& n) {
    for (const auto& [name, bytes] : images)
      if (name == n) return bytes;
    die("no image seed " + n);
  };
  Bytes tree;
  record(tree, 0, "train/bag", {});
  record(tree, 1, "train/bag/a.png", find("rgb.png"));
  record(tree, 1, "train/bag/b.JPG", find("grey.jpg"));
  record(tree, 1, "train/coat/c.jpeg", find("rgb.jpg"));
  record(tree, 1, "train/coat/d.png", find("palette.png"));
  record(tree, 1, "train/coat/.hidden.png", bytes_of("not an image"));
  record(tree, 1, "train/coat/notes.txt", bytes_of("ignored"));
  record(tree, 1, "val/bag/e.png", find("idx_size.png"));
  record(tree, 1, "val/coat/f.jpg", find("cmyk.jpg"));
  record(tree, 1, "val/coat/g.png", bytes_of("\x89PNG corrupt"));
  record(tree, 2, "val/coat/h.png", bytes_of("val/coat/e.png"));
  put("data_folder", "image_folder", tree);
  for (bool gz : {false, true}) {
    const std::string ext = gz ? ".gz" : "";
    Bytes idx;
    record(idx, 1, "train-images-idx3-ubyte" + ext, idx_file(true, gz, im, labels));
    record(idx, 1, "train-labels-idx1-ubyte" + ext, idx_file(false, gz, im, labels));
    record(idx, 1, "t10k-images-idx3-ubyte" + ext, idx_file(true, gz, im, labels));
    record(idx, 1, "t10k-labels-idx1-ubyte" + ext, idx_file(false, gz, im, labels));
    put("data_folder", gz ? "idx_gz" : "idx_raw", idx);
  }
}

// Architectures (both networks and every ablation switch) and checkpoints of them.
std::vector<Arch> put_arch_and_checkpoint_seeds() {
  std::vector<Arch> arches;
  arches.push_back(make_arch("alexnet-small", 10, 1, 28));
  arches.push_back(make_arch("alexnet", 1000, 3, 224));
  arches.push_back(make_arch("alexnet", 100, 3, 227, {Activation::Tanh, false, PoolKind::Plain, 0.0f}));
  arches.push_back(make_arch("alexnet-small", 2, 3, 32, {Activation::Relu, true, PoolKind::Plain, 0.25f}));
  for (std::size_t i = 0; i < arches.size(); ++i)
    put("arch_json", "arch" + std::to_string(i) + ".json", bytes_of(arch_to_json(arches[i]).dump()));

  // Checkpoints: tiny tensors (a real one is megabytes), the header make_checkpoint writes.
  for (std::size_t i = 0; i < 2; ++i) {
    Checkpoint c;
    c.header = header_for(arches[i * 3]);
    c.tensors["conv1.weight"] = {{2, 1, 2, 2}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f, 0.7f, -0.8f}};
    c.tensors["conv1.weight.momentum"] = {{2, 1, 2, 2}, std::vector<float>(8, 0.01f)};
    c.tensors["conv1.bias"] = {{2}, {1.0f, 0.0f}};
    const Bytes full = checkpoint_bytes(c);
    put("checkpoint", "ckpt" + std::to_string(i) + "-with-crc", full);
    // fuzz_checkpoint appends the CRC itself (see there).
    put("checkpoint", "ckpt" + std::to_string(i), Bytes(full.begin(), full.end() - 4));
  }

  return arches;
}

// safetensors, as export writes them.
void put_safetensors_seeds(const std::vector<Arch>& arches) {
  std::map<std::string, Tensor> t;
  t["conv1.weight"] = {{2, 1, 2, 2}, {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f, 0.7f, -0.8f}};
  t["conv1.bias"] = {{2}, {1.0f, 0.0f}};
  t["fc8.bias"] = {{3}, {0.5f, 0.25f, 0.125f}};
  const std::string tmp = (g_out / ".tmp.safetensors").string();
  write_safetensors(tmp, t, {{"format", "pt"}, {"arch", arch_to_json(arches[0]).dump()},
                             {"data_kind", "idx"}});
  put("safetensors", "weights.safetensors", read_all(tmp));
  write_safetensors(tmp, {}, {});
  put("safetensors", "empty.safetensors", read_all(tmp));
  fs::remove(tmp);
}

// Regression seeds: inputs that found bugs (docs/reliability.md), replayed by every run.
void put_regression_seeds(const std::vector<Arch>& arches) {
  // A number where an integer belongs, out of the int range: undefined behaviour in nlohmann's
  // get<int>() (and get<uint64_t>() for -1.5) before checkpoint_json.h.
  put("checkpoint", "regress-float-shape",
      raw_checkpoint(R"({"tensors":[{"name":"w","shape":[1e300],"offset":0,"count":1}]})", 1));
  put("checkpoint", "regress-float-count",
      raw_checkpoint(R"({"tensors":[{"name":"w","shape":[1],"offset":-1.5,"count":1e300}]})", 1));
  // A tensor name with a line break: a two-line CheckpointError.
  put("checkpoint", "regress-newline-name",
      raw_checkpoint(R"({"tensors":[{"name":"a\nb","shape":[0],"offset":0,"count":0}]})", 0));
  // 65536^4 wraps to 0 in 64 bits: accepted as a 0-element tensor of that shape.
  put("checkpoint", "regress-shape-wraps",
      raw_checkpoint(R"({"tensors":[{"name":"w","shape":[65536,65536,65536,65536],"offset":0,"count":0}]})", 0));
  // Header fields read by checkpoint_arch / checkpoint_state.
  nlohmann::json h = header_for(arches[0]);
  h["tensors"] = nlohmann::json::array();
  h["arch"]["in_size"] = 2147483647;  // int overflow in make_arch's layer sizes
  h["train"]["epoch"] = 1e300;         // undefined behaviour in get<int>()
  put("checkpoint", "regress-header-fields", raw_checkpoint(h.dump(), 0));
  nlohmann::json a = arch_to_json(arches[0]);
  a["in_size"] = 2147483647;
  put("arch_json", "regress-in-size", bytes_of(a.dump()));
  a = arch_to_json(arches[0]);
  a["classes"] = 1e300;
  put("arch_json", "regress-float-classes", bytes_of(a.dump()));
  // A shape that does not match the bytes given, and a float in a shape.
  put("safetensors", "regress-shape-mismatch",
      raw_safetensors(R"({"w":{"dtype":"F32","shape":[1000],"data_offsets":[0,4]}})", 4));
  // A 0-element tensor (valid): memcpy to a null pointer.
  put("safetensors", "regress-empty-tensor",
      raw_safetensors(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})", 0));
  put("safetensors", "regress-float-shape",
      raw_safetensors(R"({"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}})", 4));
}

// Command lines: every subcommand with typical options (NUL-separated).
void put_cli_seeds() {
  using namespace std::string_literals;  // "...\0..."s keeps the NULs
  const std::vector<std::string> command_lines = {
      "devices"s,
      "--version"s,
      "--help"s,
      "train\0--help"s,
      "verify\0--device\0000\0--json\0--filter\0conv2d"s,
      "train\0--arch\0alexnet-small\0--epochs\0002\0--batch\00064\0--lr\0000.01\0--seed\0007"s,
      "train\0--lr-schedule\0step:30,60\0--no-lrn\0--pool\0plain\0--activation\0tanh\0--dropout\0000.3"s,
      "train\0--data\0/tmp/d\0--resume\0last.ckpt\0--checkpoint-every\000100\0--threads\0002\0--no-crop"
      "\0--no-flip\0--no-pca\0--no-mean\0--max-steps\0005\0--train-limit\00010\0--val-limit\0005"s,
      "--validation\0eval\0--checkpoint\0a.ckpt\0--ten-crop\0--json\0--data\0/tmp/d"s,
      "predict\0--checkpoint\0a.ckpt\0x.png\0y.jpg"s,
      "export\0--checkpoint\0a.ckpt\0-o\0w.safetensors"s,
      "bench\0--arch\0alexnet\0--batch\0004\0--iters\0001\0--warmup\0001\0--mode\0infer\0--json"s,
  };
  for (std::size_t i = 0; i < command_lines.size(); ++i)
    put("cli", "args" + std::to_string(i), bytes_of(command_lines[i]));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) die("usage: make_corpus OUT_DIR");
  g_out = argv[1];
  fs::create_directories(g_out);
  put_idx_seeds();
  const auto images = image_seeds();
  for (const auto& [name, bytes] : images) put("image", name, bytes);
  for (const auto& [name, bytes] : fuzz::packed_seeds()) put("packed", name, bytes);  // written by prepare
  put_folder_seeds(images);
  const std::vector<Arch> arches = put_arch_and_checkpoint_seeds();
  put_safetensors_seeds(arches);
  put_regression_seeds(arches);
  put_cli_seeds();
  std::printf("make_corpus: wrote seeds to %s\n", g_out.c_str());
  return 0;
}
