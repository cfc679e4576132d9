// The paper's data augmentation (section 4.1), every piece switchable, and the statistics it
// needs (per-channel mean, RGB covariance eigen-decomposition).
//
// Pipeline for one example, in this order:
//   1. convert to cfg.channels (grey -> RGB by replication, RGB -> grey by BT.601 luma);
//   2. resize so the short side is cfg.resize_short (antialiased bilinear), if set;
//   3. keep the centre cfg.center x cfg.center square, if set (the paper: 256 -> 256x256);
//   4. zero-pad by cfg.pad on every side, if set (black pixels, like torchvision's RandomCrop
//      padding; for small images such as 28x28 Fashion-MNIST);
//   5. take a cfg.crop x cfg.crop window: random (Train), centred (Center), or one of ten fixed
//      windows (TenCrop0..9); flip it horizontally (Train: with probability 1/2; TenCrop5..9);
//   6. write out[c][y][x] = ((pixel + pca_shift[c]) - mean[c]) * pixel_scale, (C, crop, crop)
//      floats, where mean is subtracted only when cfg.subtract_mean and the PCA shift is non-zero
//      only in the Train view of a 3-channel image with cfg.pca_std > 0.
//
// Randomness (crop position, flip, the three PCA alphas) comes from an Rng seeded only by the
// rng_seed argument, so an example's augmentation does not depend on which thread made it.
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
  std::array<float, 3> eigval{};                 // descending, see above
  std::array<std::array<float, 3>, 3> eigvec{};  // eigvec[i] = i-th unit eigenvector (R, G, B)
};

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

struct AugmentConfig {
  int resize_short = 0;    // 0 = keep the size
  int center = 0;          // centre square after resize, 0 = none
  int crop = 0;            // output size, > 0
  int pad = 0;             // zero padding before the crop
  bool random_crop = true; // Train view: random position (else centred)
  bool flip = true;        // Train view: horizontal flip with probability 1/2
  float pca_std = 0.1f;    // standard deviation of the PCA alphas, 0 = off
  bool subtract_mean = true;
  int channels = 3;        // 1 or 3
};

// Train: random crop/flip/PCA. Center: centred crop only. TenCrop0..4: top-left, top-right,
// bottom-left, bottom-right, centre (torchvision's ten_crop order); TenCrop5..9: the same windows
// flipped. Neither Center nor TenCrop applies PCA.
enum class View : int {
  Train = -2,
  Center = -1,
  TenCrop0 = 0, TenCrop1, TenCrop2, TenCrop3, TenCrop4,
  TenCrop5, TenCrop6, TenCrop7, TenCrop8, TenCrop9,
};
// TenCrop view k, k in [0, 10) (std::invalid_argument otherwise).
View ten_crop_view(int k);

// Throws std::invalid_argument unless cfg, norm and view are usable together (see augment).
void check_augment_config(const AugmentConfig& cfg, const Normalization& norm, View view);

// Writes (cfg.channels, cfg.crop, cfg.crop) floats to out. Throws std::invalid_argument for a bad
// config (check_augment_config), DataError when the image is smaller than the crop after resize,
// centre and pad.
void augment(const Image& image, const AugmentConfig& cfg, const Normalization& norm, View view,
             uint64_t rng_seed, float* out);

// Antialiased bilinear resize (a triangle filter widened by the scale factor when shrinking, as
// PIL does), 1-4 channels, rounded to 8 bits. Upscaling is plain bilinear with pixel centres
// aligned (half-pixel convention).
Image resize_bilinear(const Image& image, int width, int height);

}  // namespace alexnet::data
