// Augmentation: where each crop comes from (shared by the float and byte writers). See augment.h.
#include "model/data/augment.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "model/data/error.h"
#include "model/data/rng.h"

namespace alexnet::data {

View ten_crop_view(int k) {
  if (k < 0 || k >= 10)
    throw std::invalid_argument("ten_crop_view: k must be in [0, 10), got " + std::to_string(k));
  return static_cast<View>(k);
}

void check_augment_config(const AugmentConfig& cfg, const Normalization& norm, View view) {
  // The upper bound keeps every size sum below int overflow (pad is added twice).
  auto bad_size = [](int v, int lo) { return v < lo || v > kMaxImageSide; };
  if (bad_size(cfg.crop, 1) || bad_size(cfg.pad, 0) || bad_size(cfg.resize_short, 0) ||
      bad_size(cfg.center, 0))
    throw std::invalid_argument("augment: crop must be in [1, " + std::to_string(kMaxImageSide) +
                                "] and resize_short, center, pad in [0, " +
                                std::to_string(kMaxImageSide) + "]");
  if (cfg.channels != 1 && cfg.channels != 3)
    throw std::invalid_argument("augment: channels must be 1 or 3, got " +
                                std::to_string(cfg.channels));
  const int vi = static_cast<int>(view);
  if (vi < -2 || vi > 9) throw std::invalid_argument("augment: bad view " + std::to_string(vi));
  if (!(cfg.pca_std >= 0)) throw std::invalid_argument("augment: pca_std must be >= 0");
  if (!norm.std.empty() && norm.std.size() != static_cast<std::size_t>(cfg.channels))
    throw std::invalid_argument("augment: " + std::to_string(cfg.channels) + " channels but " +
                                std::to_string(norm.std.size()) + " std values");
  for (float s : norm.std)
    if (!(s > 0) || !std::isfinite(s)) throw std::invalid_argument("augment: every std value must be positive");
  if (cfg.subtract_mean && norm.mean.size() != static_cast<std::size_t>(cfg.channels))
    throw std::invalid_argument("augment: subtract_mean needs " + std::to_string(cfg.channels) +
                                " mean values, the normalization has " +
                                std::to_string(norm.mean.size()));
}

std::pair<int, int> short_side_size(int width, int height, int short_side, const std::string& where) {
  const int64_t w = width, h = height, s = short_side;
  // Round the long side to nearest; the short side is exact.
  const int64_t nw = w <= h ? s : std::max<int64_t>(1, (w * s + h / 2) / h);
  const int64_t nh = w <= h ? std::max<int64_t>(1, (h * s + w / 2) / w) : s;
  if (nw > kMaxImageSide || nh > kMaxImageSide)
    throw DataError(where, "resizing " + std::to_string(w) + "x" + std::to_string(h) + " to short side " +
                               std::to_string(s) + " is too large");
  return {static_cast<int>(nw), static_cast<int>(nh)};
}

Image resize_and_center(const ImageView& image, int size) {
  if (size < 1 || size > kMaxImageSide)
    throw std::invalid_argument("resize_and_center: bad size " + std::to_string(size));
  const auto [nw, nh] = short_side_size(image.width, image.height, size, "resize");
  Image resized = resize_bilinear(image, nw, nh);
  if (nw == size && nh == size) return resized;
  // The same centre offsets as augment's step 3.
  const int rx = (nw - size) / 2, ry = (nh - size) / 2, c = image.channels;
  Image out{size, size, c, std::vector<uint8_t>(static_cast<std::size_t>(size) * size * c)};
  const std::size_t row = static_cast<std::size_t>(size) * c;
  for (int y = 0; y < size; ++y)
    std::memcpy(out.pixels.data() + static_cast<std::size_t>(y) * row,
                resized.pixels.data() + (static_cast<std::size_t>(ry + y) * nw + rx) * c, row);
  return out;
}

namespace {

// Where one example's crop comes from: steps 1-5 of augment.h, resolved.
struct Placement {
  ImageView src;               // after channel conversion and resize
  int rx = 0, ry = 0, rw = 0, rh = 0;  // the region (centre square) of src the crop is taken from
  int pad = 0, ox = 0, oy = 0; // the window's offset within the padded region
  bool flip = false;
  float shift[3] = {0, 0, 0};  // the PCA shift, 0-255 units
};

// Fills p; `converted` and `resized` hold the intermediate images p.src may point into.
void place(const ImageView& image, const AugmentConfig& cfg, const Normalization& norm, View view,
           uint64_t rng_seed, Placement& p, Image& converted, Image& resized) {
  check_augment_config(cfg, norm, view);
  if (image.width <= 0 || image.height <= 0 || image.width > kMaxImageSide ||
      image.height > kMaxImageSide || image.channels < 1 || image.channels > 4 || !image.pixels)
    throw std::invalid_argument("augment: bad image " + std::to_string(image.width) + "x" +
                                std::to_string(image.height) + "x" + std::to_string(image.channels));
  const int vi = static_cast<int>(view);

  // 1-2. Channels and short-side resize; `img` is whichever image is current.
  ImageView img = image;
  if (img.channels != cfg.channels) {
    const std::size_t n = static_cast<std::size_t>(img.width) * img.height * img.channels;
    converted = to_channels(Image{img.width, img.height, img.channels,
                                  std::vector<uint8_t>(img.pixels, img.pixels + n)},
                            cfg.channels);
    img = view_of(converted);
  }
  if (cfg.resize_short > 0) {
    const auto [nw, nh] = short_side_size(img.width, img.height, cfg.resize_short, "augment");
    if (nw != img.width || nh != img.height) {
      resized = resize_bilinear(img, nw, nh);
      img = view_of(resized);
    }
  }
  p.src = img;
  // 3. The region of img we crop from, in img coordinates.
  p.rx = 0, p.ry = 0, p.rw = img.width, p.rh = img.height;
  if (cfg.center > 0) {
    if (p.rw < cfg.center || p.rh < cfg.center)
      throw DataError("augment", "image " + std::to_string(p.rw) + "x" + std::to_string(p.rh) +
                                     " is smaller than the centre square " +
                                     std::to_string(cfg.center));
    p.rx = (p.rw - cfg.center) / 2;
    p.ry = (p.rh - cfg.center) / 2;
    p.rw = p.rh = cfg.center;
  }
  // 4. Padding enlarges the region; pixels outside img read as 0.
  p.pad = cfg.pad;
  const int pw = p.rw + 2 * cfg.pad, ph = p.rh + 2 * cfg.pad;
  if (pw < cfg.crop || ph < cfg.crop)
    throw DataError("augment", "image region " + std::to_string(pw) + "x" + std::to_string(ph) +
                                   " (after resize, centre and pad) is smaller than the crop " +
                                   std::to_string(cfg.crop) + " (set resize_short or pad)");
  const int sx = pw - cfg.crop, sy = ph - cfg.crop;  // slack

  // 5. Window and flip. The Rng draws are the same whatever the config, so turning one
  // augmentation off does not change the others' draws.
  Rng rng(rng_seed);
  const int rand_x = static_cast<int>(rng.below(static_cast<uint64_t>(sx) + 1));
  const int rand_y = static_cast<int>(rng.below(static_cast<uint64_t>(sy) + 1));
  const bool rand_flip = rng.below(2) == 1;
  double alpha[3];
  for (double& a : alpha) a = rng.normal() * cfg.pca_std;

  p.ox = sx / 2, p.oy = sy / 2;
  if (view == View::Train) {
    if (cfg.random_crop) p.ox = rand_x, p.oy = rand_y;
    p.flip = cfg.flip && rand_flip;
    if (cfg.pca_std > 0 && cfg.channels == 3)
      for (int ch = 0; ch < 3; ++ch) {
        double s = 0;
        for (int i = 0; i < 3; ++i) s += double{norm.eigvec[i][ch]} * alpha[i] * norm.eigval[i];
        p.shift[ch] = static_cast<float>(255.0 * s);
      }
  } else if (view != View::Center) {
    const int corner = vi % 5;  // 0 TL, 1 TR, 2 BL, 3 BR, 4 centre
    if (corner < 4) {
      p.ox = (corner == 1 || corner == 3) ? sx : 0;
      p.oy = corner >= 2 ? sy : 0;
    }
    p.flip = vi >= 5;
  }
}

// Step 6 for one channel map: out (C, n, n) = map(c, pixel), where a pixel outside the image
// (padding) is 0. C is a template constant so the channel loop unrolls; each source pixel's C
// values are read together, so the interleaved row is walked once. Columns inside the image are
// found first, so the inner loops carry no bounds test and the unflipped one vectorises.
template <int C, class T, class Map>
void write_crop(const Placement& p, int n, const Map& map, T* out) {
  const std::size_t plane = static_cast<std::size_t>(n) * n;
  const std::size_t stride = static_cast<std::size_t>(p.src.width) * C;
  const int base = p.rx + p.ox - p.pad;  // src column of output x = 0 (before flipping)
  // Output columns whose source column lies in [rx, rx + rw): x in [lo, hi).
  int lo = std::clamp(p.rx - base, 0, n), hi = std::clamp(p.rx + p.rw - base, 0, n);
  if (p.flip) std::tie(lo, hi) = std::pair(n - hi, n - lo);  // flipped: src column base + n - 1 - x
  for (int y = 0; y < n; ++y) {
    T* dst[C];
    for (int ch = 0; ch < C; ++ch) dst[ch] = out + ch * plane + static_cast<std::size_t>(y) * n;
    const int iy = p.ry + p.oy + y - p.pad;  // src row
    const bool row_in = iy >= p.ry && iy < p.ry + p.rh;
    for (int ch = 0; ch < C; ++ch) {
      const T zero = map(ch, uint8_t{0});
      std::fill(dst[ch], dst[ch] + (row_in ? lo : n), zero);
      if (row_in) std::fill(dst[ch] + hi, dst[ch] + n, zero);
    }
    if (!row_in) continue;
    const uint8_t* row = p.src.pixels + static_cast<std::size_t>(iy) * stride;
    // s: a source pixel inside the image (so the pointer is valid), read forward.
    const int count = hi - lo;
    if (!p.flip) {
      const uint8_t* s = row + static_cast<std::size_t>(base + lo) * C;
      for (int k = 0; k < count; ++k)
        for (int ch = 0; ch < C; ++ch) dst[ch][lo + k] = map(ch, s[k * C + ch]);
    } else {
      // Forward, then each row reversed: the compiler vectorises both loops, not the one loop
      // that reads the interleaved source backward. s is the source of output column hi - 1.
      const uint8_t* s = row + static_cast<std::size_t>(base + n - hi) * C;
      for (int k = 0; k < count; ++k)
        for (int ch = 0; ch < C; ++ch) dst[ch][lo + k] = map(ch, s[k * C + ch]);
      for (int ch = 0; ch < C; ++ch) std::reverse(dst[ch] + lo, dst[ch] + hi);
    }
  }
}

template <class T, class Map>
void write(const Placement& p, int channels, int n, const Map& map, T* out) {
  if (channels == 1) write_crop<1>(p, n, map, out);
  else write_crop<3>(p, n, map, out);
}

}  // namespace

void augment(const ImageView& image, const AugmentConfig& cfg, const Normalization& norm, View view,
             uint64_t rng_seed, float* out) {
  Placement p;
  Image converted, resized;
  place(image, cfg, norm, view, rng_seed, p, converted, resized);
  // Every byte value's float, computed as ((pixel + shift) - mean) * scale in this order: the
  // table changes where the arithmetic happens, not its result.
  float lut[3][256];
  for (int ch = 0; ch < cfg.channels; ++ch) {
    const float mean = cfg.subtract_mean ? norm.mean[static_cast<std::size_t>(ch)] : 0.0f;
    const float scale = channel_scale(norm, ch);
    for (int v = 0; v < 256; ++v)
      lut[ch][v] = ((static_cast<float>(v) + p.shift[ch]) - mean) * scale;
  }
  write(p, cfg.channels, cfg.crop, [&lut](int ch, uint8_t v) { return lut[ch][v]; }, out);
}

void augment(const Image& image, const AugmentConfig& cfg, const Normalization& norm, View view,
             uint64_t rng_seed, float* out) {
  check_image(image, "augment");
  augment(view_of(image), cfg, norm, view, rng_seed, out);
}

void augment_u8(const ImageView& image, const AugmentConfig& cfg, const Normalization& norm,
                View view, uint64_t rng_seed, uint8_t* out) {
  Placement p;
  Image converted, resized;
  place(image, cfg, norm, view, rng_seed, p, converted, resized);
  // The PCA shift rounded to whole levels (halves up), added with saturation: an integer add the
  // compiler vectorises.
  int offset[3] = {0, 0, 0};
  for (int ch = 0; ch < cfg.channels; ++ch) offset[ch] = static_cast<int>(std::floor(p.shift[ch] + 0.5f));
  write(p, cfg.channels, cfg.crop,
        [&offset](int ch, uint8_t v) { return static_cast<uint8_t>(std::clamp(v + offset[ch], 0, 255)); }, out);
}

InputTransform input_transform(const AugmentConfig& cfg, const Normalization& norm) {
  InputTransform t;
  if (!norm.std.empty() && norm.std.size() != static_cast<std::size_t>(cfg.channels))
    throw std::invalid_argument("input_transform: " + std::to_string(cfg.channels) + " channels but " +
                                std::to_string(norm.std.size()) + " std values");
  for (int c = 0; c < cfg.channels; ++c) t.scale.push_back(channel_scale(norm, c));
  t.mean.assign(static_cast<std::size_t>(cfg.channels), 0.0f);
  if (cfg.subtract_mean) {
    if (norm.mean.size() != t.mean.size())
      throw std::invalid_argument("input_transform: " + std::to_string(cfg.channels) +
                                  " channels but " + std::to_string(norm.mean.size()) +
                                  " mean values");
    t.mean = norm.mean;
  }
  return t;
}

}  // namespace alexnet::data
