// The normalisation statistics of the paper's section 4.1: the mean pixel subtracted from every
// input and the eigen-decomposition of the RGB covariance behind the PCA colour augmentation.
// compute_normalization samples a data set at the start of training; packed data sets carry the
// same statistics over every training image, summed once by `alexnet_vk prepare` (PixelStats).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/data/dataset.h"
#include "model/data/image.h"

namespace alexnet::data {

// PCA colour units. eigval are eigenvalues of the covariance of RGB values measured in [0, 1]
// intensity units (pixel / 255), whatever pixel_scale is - the convention of fb.resnet.torch,
// where ImageNet gives eigval ~ {0.2175, 0.0188, 0.0045}. The paper's shift
// sum_i eigvec_i * alpha_i * eigval_i is therefore in [0, 1] units too, and is multiplied by 255
// before being added to 0-255 pixels. (With eigenvalues in 0-255 units the same formula would
// move colours by hundreds of levels; with 0-1 units and alpha ~ N(0, 0.1) it moves them by ~5.)
struct Normalization {
  std::vector<float> mean;  // per channel, in pixel units 0-255
  float pixel_scale = 1.0f / 255;
  // Per channel, divides after pixel_scale: x = (pixel - mean[c]) * pixel_scale / std[c]
  // (torchvision's recipe: 0.229, 0.224, 0.225 with pixel_scale 1/255). Empty: 1 (the paper).
  std::vector<float> std;
  std::array<float, 3> eigval{};                 // descending, see above
  std::array<std::array<float, 3>, 3> eigvec{};  // eigvec[i] = i-th unit eigenvector (R, G, B)
};

// Exact integer sums over pixels (per channel, and channel products for the covariance), so a total
// does not depend on the order images were added in or on how many threads added them. uint64
// holds the products of 2.8e14 pixels (4 billion 256x256 images) before it could wrap.
struct PixelStats {
  int channels = 0;     // 1 or 3; 0 until the first image
  uint64_t pixels = 0;  // pixel positions counted (not bytes)
  uint64_t sum[3] = {0, 0, 0};
  uint64_t cross[3][3] = {};  // sum of p[a] * p[b], a <= b

  // Throws std::invalid_argument when the image's channel count differs from earlier images'.
  void add(const ImageView& image);
  void merge(const PixelStats& other);  // same channel rule
  // The mean and (3 channels) the covariance's eigen-decomposition; std::invalid_argument when
  // nothing was added. pixel_scale is left at its default: it belongs to the architecture.
  Normalization normalization() const;
};

// The factor channel c is multiplied by after the mean: pixel_scale / std[c] (pixel_scale alone
// without a std), computed once in float so the host and the device agree bit for bit.
float channel_scale(const Normalization& norm, int c);

// Per-channel mean over every pixel of min(max_samples, size) examples chosen by a seeded
// shuffle, and (for 3 channels) the eigen-decomposition of their RGB covariance. Each image is
// used as stored (no resize), so large images weigh more, as in "the set of RGB pixel values
// throughout the training set". Sums are exact integers, so the result does not depend on
// `threads` (0 = hardware concurrency). Corrupt examples are substituted as in Dataset.
Normalization compute_normalization(const Dataset& dataset, std::size_t max_samples,
                                    uint64_t seed, int threads = 0);

// Eigen-decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations: eigenvalues sorted
// descending, eigvec[i] the unit eigenvector of eigval[i], its largest component positive (so the
// result is unique for distinct eigenvalues).
void symmetric_eigen3(const std::array<std::array<double, 3>, 3>& matrix,
                      std::array<double, 3>& eigval,
                      std::array<std::array<double, 3>, 3>& eigvec);

}  // namespace alexnet::data
