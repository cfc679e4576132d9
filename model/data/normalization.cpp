// Normalisation statistics: exact pixel sums, the mean and the RGB covariance's eigenvectors.
// See normalization.h.
#include "model/data/normalization.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>

#include "model/data/rng.h"

namespace alexnet::data {

float channel_scale(const Normalization& norm, int c) {
  return norm.std.empty() ? norm.pixel_scale : norm.pixel_scale / norm.std[static_cast<std::size_t>(c)];
}

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

void PixelStats::add(const ImageView& image) {
  const int c = image.channels;
  if (c != 1 && c != 3)
    throw std::invalid_argument("PixelStats: images must have 1 or 3 channels, got " + std::to_string(c));
  if (channels != 0 && channels != c)
    throw std::invalid_argument("PixelStats: a " + std::to_string(c) + "-channel image after " +
                                std::to_string(channels) + "-channel ones");
  channels = c;
  const std::size_t n = static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
  // Local sums first: the compiler keeps them in registers, the members would be reloaded.
  uint64_t s[3] = {0, 0, 0}, x[3][3] = {};
  for (std::size_t i = 0; i < n; ++i) {
    const uint8_t* p = image.pixels + i * static_cast<std::size_t>(c);
    for (int a = 0; a < c; ++a) {
      s[a] += p[a];
      for (int b = a; b < c; ++b) x[a][b] += uint64_t{p[a]} * p[b];
    }
  }
  pixels += n;
  for (int a = 0; a < c; ++a) {
    sum[a] += s[a];
    for (int b = a; b < c; ++b) cross[a][b] += x[a][b];
  }
}

void PixelStats::merge(const PixelStats& other) {
  if (other.channels == 0) return;
  if (channels != 0 && channels != other.channels)
    throw std::invalid_argument("PixelStats: cannot merge " + std::to_string(other.channels) +
                                "-channel sums into " + std::to_string(channels) + "-channel ones");
  channels = other.channels;
  pixels += other.pixels;
  for (int a = 0; a < 3; ++a) {
    sum[a] += other.sum[a];
    for (int b = a; b < 3; ++b) cross[a][b] += other.cross[a][b];
  }
}

Normalization PixelStats::normalization() const {
  if (pixels == 0 || channels == 0) throw std::invalid_argument("PixelStats: no pixels added");
  const int c = channels;
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

  std::vector<PixelStats> sums(n);
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      for (std::size_t k; (k = next.fetch_add(1)) < n;) {
        Image img = dataset.image_or_next_valid(pick[k]).image;
        if (img.channels != c) img = to_channels(img, c);
        sums[k].add(view_of(img));
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

  PixelStats total;
  for (const PixelStats& s : sums) total.merge(s);
  return total.normalization();
}

}  // namespace alexnet::data
