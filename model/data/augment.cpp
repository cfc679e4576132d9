// Augmentation, resizing and the normalisation statistics. See augment.h.
#include "model/data/augment.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "model/data/error.h"
#include "model/data/rng.h"

namespace alexnet::data {

// ---- resize ----

namespace {

// For each output pixel along one axis: the first input pixel and the normalised weights.
struct Taps {
  std::vector<int> first, count;
  std::vector<float> weights;  // out x max_count
  int max_count = 0;
};

Taps make_taps(int in, int out) {
  const double scale = static_cast<double>(in) / out;
  // Shrinking widens the triangle by the scale factor so every input pixel under an output pixel
  // contributes (plain bilinear reads 2 input pixels whatever the factor, and aliases).
  const double width = std::max(scale, 1.0);
  Taps t;
  t.max_count = static_cast<int>(std::ceil(width)) * 2 + 2;
  t.first.resize(static_cast<std::size_t>(out));
  t.count.resize(static_cast<std::size_t>(out));
  t.weights.assign(static_cast<std::size_t>(out) * t.max_count, 0.0f);
  for (int o = 0; o < out; ++o) {
    const double center = (o + 0.5) * scale;  // in input pixel coordinates
    const int lo = std::max(0, static_cast<int>(std::floor(center - width)));
    const int hi = std::min(in, static_cast<int>(std::ceil(center + width)));
    const int n = std::min(hi - lo, t.max_count);
    float* w = t.weights.data() + static_cast<std::size_t>(o) * t.max_count;
    double sum = 0;
    for (int k = 0; k < n; ++k) {
      const double v = std::max(0.0, 1.0 - std::abs((lo + k + 0.5 - center) / width));
      w[k] = static_cast<float>(v);
      sum += v;
    }
    // Taps past the border are dropped and the rest renormalised (edge pixels extend).
    for (int k = 0; k < n; ++k) w[k] = static_cast<float>(w[k] / sum);
    t.first[static_cast<std::size_t>(o)] = lo;
    t.count[static_cast<std::size_t>(o)] = n;
  }
  return t;
}

}  // namespace

namespace {

// Horizontal pass for one row of C-channel pixels, C a compile-time constant so the channel loop
// unrolls: in (in_w, C) floats -> out (out_w, C) floats.
template <int C>
void filter_row(const float* in, const Taps& t, int out_w, float* out) {
  for (int x = 0; x < out_w; ++x) {
    const float* w = t.weights.data() + static_cast<std::size_t>(x) * t.max_count;
    const float* s = in + static_cast<std::size_t>(t.first[x]) * C;
    float acc[C] = {};
    for (int k = 0; k < t.count[x]; ++k)
      for (int ch = 0; ch < C; ++ch) acc[ch] += w[k] * s[k * C + ch];
    for (int ch = 0; ch < C; ++ch) out[x * C + ch] = acc[ch];
  }
}

}  // namespace

Image resize_bilinear(const Image& image, int width, int height) {
  check_image(image, "resize_bilinear");
  if (width <= 0 || height <= 0 || width > kMaxImageSide || height > kMaxImageSide)
    throw std::invalid_argument("resize_bilinear: bad target size " + std::to_string(width) + "x" +
                                std::to_string(height));
  if (width == image.width && height == image.height) return image;
  const int c = image.channels;
  const Taps tx = make_taps(image.width, width);
  const Taps ty = make_taps(image.height, height);
  // Horizontal pass: (in_h, width, c) floats. Each input row is widened to floats once.
  const std::size_t in_row = static_cast<std::size_t>(image.width) * c;
  const std::size_t row = static_cast<std::size_t>(width) * c;
  std::vector<float> tmp(static_cast<std::size_t>(image.height) * row), line(in_row);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* src = image.pixels.data() + static_cast<std::size_t>(y) * in_row;
    for (std::size_t i = 0; i < in_row; ++i) line[i] = src[i];
    float* dst = tmp.data() + static_cast<std::size_t>(y) * row;
    switch (c) {
      case 1: filter_row<1>(line.data(), tx, width, dst); break;
      case 2: filter_row<2>(line.data(), tx, width, dst); break;
      case 3: filter_row<3>(line.data(), tx, width, dst); break;
      default: filter_row<4>(line.data(), tx, width, dst); break;
    }
  }
  // Vertical pass: whole rows at a time (the inner loop runs along the row and vectorises),
  // then rounded to bytes.
  Image out{width, height, c, std::vector<uint8_t>(static_cast<std::size_t>(height) * row)};
  std::vector<float> acc(row);
  for (int y = 0; y < height; ++y) {
    const float* w = ty.weights.data() + static_cast<std::size_t>(y) * ty.max_count;
    const float* s = tmp.data() + static_cast<std::size_t>(ty.first[y]) * row;
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int k = 0; k < ty.count[y]; ++k) {
      const float wk = w[k];
      const float* sk = s + static_cast<std::size_t>(k) * row;
      for (std::size_t i = 0; i < row; ++i) acc[i] += wk * sk[i];
    }
    uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * row;
    for (std::size_t i = 0; i < row; ++i)
      dst[i] = static_cast<uint8_t>(std::clamp(acc[i] + 0.5f, 0.0f, 255.0f));
  }
  return out;
}

// ---- statistics ----

void symmetric_eigen3(const std::array<std::array<double, 3>, 3>& matrix,
                      std::array<double, 3>& eigval,
                      std::array<std::array<double, 3>, 3>& eigvec) {
  auto a = matrix;
  double v[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  double scale = 0;
  for (const auto& r : a)
    for (double x : r) scale = std::max(scale, std::abs(x));
  for (int sweep = 0; sweep < 64 && scale > 0; ++sweep) {
    const double off = std::abs(a[0][1]) + std::abs(a[0][2]) + std::abs(a[1][2]);
    if (off <= 1e-15 * scale) break;
    static constexpr int kPairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    for (const auto& pq : kPairs) {
      const int p = pq[0], q = pq[1];
      if (a[p][q] == 0) continue;
      // Rotate by the angle that zeroes a[p][q] (Numerical Recipes' stable form of tan).
      const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
      const double c = 1 / std::sqrt(t * t + 1), s = t * c;
      for (int k = 0; k < 3; ++k) {
        const double akp = a[k][p], akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (int k = 0; k < 3; ++k) {
        const double apk = a[p][k], aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (int k = 0; k < 3; ++k) {
        const double vkp = v[k][p], vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  int order[3] = {0, 1, 2};
  std::sort(order, order + 3, [&](int i, int j) { return a[i][i] > a[j][j]; });
  for (int i = 0; i < 3; ++i) {
    const int src = order[i];
    eigval[i] = a[src][src];
    int big = 0;
    for (int k = 1; k < 3; ++k)
      if (std::abs(v[k][src]) > std::abs(v[big][src])) big = k;
    const double sign = v[big][src] < 0 ? -1.0 : 1.0;
    for (int k = 0; k < 3; ++k) eigvec[i][k] = sign * v[k][src];
  }
}

namespace {

// Exact integer sums of one image's pixels, so the total does not depend on summation order.
struct PixelSums {
  uint64_t pixels = 0;
  uint64_t sum[3] = {0, 0, 0};
  uint64_t cross[3][3] = {};  // upper triangle used
};

PixelSums sums_of(const Image& img) {
  PixelSums s;
  const std::size_t n = static_cast<std::size_t>(img.width) * img.height;
  const int c = img.channels;
  s.pixels = n;
  for (std::size_t i = 0; i < n; ++i) {
    const uint8_t* p = img.pixels.data() + i * c;
    for (int a = 0; a < c; ++a) {
      s.sum[a] += p[a];
      for (int b = a; b < c; ++b) s.cross[a][b] += uint64_t{p[a]} * p[b];
    }
  }
  return s;
}

}  // namespace

Normalization compute_normalization(const Dataset& dataset, std::size_t max_samples,
                                    uint64_t seed, int threads) {
  const std::size_t size = dataset.size();
  const std::size_t n = std::min(max_samples, size);
  if (n == 0) throw std::invalid_argument("compute_normalization: no samples");
  const int c = dataset.channels();
  if (c != 1 && c != 3)
    throw std::invalid_argument("compute_normalization: data set has " + std::to_string(c) +
                                " channels");
  // The first n of a seeded Fisher-Yates shuffle: a uniform sample without repetition.
  std::vector<std::size_t> pick(size);
  std::iota(pick.begin(), pick.end(), std::size_t{0});
  Rng rng(derive_seed(seed, 0x6e6f726d /* "norm" */));
  for (std::size_t i = 0; i < n; ++i) std::swap(pick[i], pick[i + rng.below(size - i)]);

  std::vector<PixelSums> sums(n);
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      for (std::size_t k; (k = next.fetch_add(1)) < n;) {
        Image img = dataset.image_or_next_valid(pick[k]).image;
        if (img.channels != c) img = to_channels(img, c);
        sums[k] = sums_of(img);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next = n;  // stop the others early
    }
  };
  const std::size_t t = threads > 0 ? static_cast<std::size_t>(threads)
                                    : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < std::min(t, n); ++i) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);

  unsigned __int128 pixels = 0, sum[3] = {0, 0, 0}, cross[3][3] = {};
  for (const PixelSums& s : sums) {
    pixels += s.pixels;
    for (int a = 0; a < c; ++a) {
      sum[a] += s.sum[a];
      for (int b = a; b < c; ++b) cross[a][b] += s.cross[a][b];
    }
  }
  Normalization norm;
  const long double p = static_cast<long double>(pixels);
  long double mean[3];
  for (int a = 0; a < c; ++a) {
    mean[a] = static_cast<long double>(sum[a]) / p;
    norm.mean.push_back(static_cast<float>(mean[a]));
  }
  if (c == 3) {
    std::array<std::array<double, 3>, 3> cov{};
    for (int a = 0; a < 3; ++a)
      for (int b = a; b < 3; ++b) {
        const long double v = static_cast<long double>(cross[a][b]) / p - mean[a] * mean[b];
        cov[a][b] = cov[b][a] = static_cast<double>(v / (255.0L * 255.0L));  // [0, 1] units
      }
    std::array<double, 3> val;
    std::array<std::array<double, 3>, 3> vec;
    symmetric_eigen3(cov, val, vec);
    for (int i = 0; i < 3; ++i) {
      norm.eigval[i] = static_cast<float>(std::max(val[i], 0.0));  // rounding can give -1e-20
      for (int k = 0; k < 3; ++k) norm.eigvec[i][k] = static_cast<float>(vec[i][k]);
    }
  }
  return norm;
}

// ---- augmentation ----

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
  if (cfg.subtract_mean && norm.mean.size() != static_cast<std::size_t>(cfg.channels))
    throw std::invalid_argument("augment: subtract_mean needs " + std::to_string(cfg.channels) +
                                " mean values, the normalization has " +
                                std::to_string(norm.mean.size()));
}

void augment(const Image& image, const AugmentConfig& cfg, const Normalization& norm, View view,
             uint64_t rng_seed, float* out) {
  check_image(image, "augment");
  check_augment_config(cfg, norm, view);
  const int vi = static_cast<int>(view);

  // 1-2. Channels and short-side resize; `img` points at whichever image is current.
  const Image* img = &image;
  Image converted, resized;
  if (img->channels != cfg.channels) img = &(converted = to_channels(*img, cfg.channels));
  if (cfg.resize_short > 0) {
    const int64_t w = img->width, h = img->height, s = cfg.resize_short;
    // Round the long side to nearest; the short side is exact.
    const int64_t nw = w <= h ? s : std::max<int64_t>(1, (w * s + h / 2) / h);
    const int64_t nh = w <= h ? std::max<int64_t>(1, (h * s + w / 2) / w) : s;
    if (nw > kMaxImageSide || nh > kMaxImageSide)
      throw DataError("augment", "resizing " + std::to_string(w) + "x" + std::to_string(h) +
                                     " to short side " + std::to_string(s) + " is too large");
    if (nw != w || nh != h)
      img = &(resized = resize_bilinear(*img, static_cast<int>(nw), static_cast<int>(nh)));
  }
  // 3. The region of img we crop from, in img coordinates.
  int rx = 0, ry = 0, rw = img->width, rh = img->height;
  if (cfg.center > 0) {
    if (rw < cfg.center || rh < cfg.center)
      throw DataError("augment", "image " + std::to_string(rw) + "x" + std::to_string(rh) +
                                     " is smaller than the centre square " +
                                     std::to_string(cfg.center));
    rx = (rw - cfg.center) / 2;
    ry = (rh - cfg.center) / 2;
    rw = rh = cfg.center;
  }
  // 4. Padding enlarges the region; pixels outside img read as 0.
  const int pw = rw + 2 * cfg.pad, ph = rh + 2 * cfg.pad;
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

  int ox = sx / 2, oy = sy / 2;
  bool flip = false;
  float shift[3] = {0, 0, 0};
  if (view == View::Train) {
    if (cfg.random_crop) ox = rand_x, oy = rand_y;
    flip = cfg.flip && rand_flip;
    if (cfg.pca_std > 0 && cfg.channels == 3)
      for (int ch = 0; ch < 3; ++ch) {
        double s = 0;
        for (int i = 0; i < 3; ++i) s += double{norm.eigvec[i][ch]} * alpha[i] * norm.eigval[i];
        shift[ch] = static_cast<float>(255.0 * s);
      }
  } else if (view != View::Center) {
    const int corner = vi % 5;  // 0 TL, 1 TR, 2 BL, 3 BR, 4 centre
    if (corner < 4) {
      ox = (corner == 1 || corner == 3) ? sx : 0;
      oy = corner >= 2 ? sy : 0;
    }
    flip = vi >= 5;
  }

  // 6. Write (C, crop, crop).
  const int c = cfg.channels, n = cfg.crop;
  for (int ch = 0; ch < c; ++ch) {
    const float mean = cfg.subtract_mean ? norm.mean[static_cast<std::size_t>(ch)] : 0.0f;
    for (int y = 0; y < n; ++y) {
      float* dst = out + (static_cast<std::size_t>(ch) * n + y) * n;
      const int iy = ry + oy + y - cfg.pad;  // img row
      const bool row_in = iy >= ry && iy < ry + rh;
      for (int x = 0; x < n; ++x) {
        const int ix = rx + ox + (flip ? n - 1 - x : x) - cfg.pad;
        const float pixel = row_in && ix >= rx && ix < rx + rw ? img->at(ix, iy, ch) : 0.0f;
        dst[x] = ((pixel + shift[ch]) - mean) * norm.pixel_scale;
      }
    }
  }
}

}  // namespace alexnet::data
