// The paper's data augmentation (section 4.1), every piece switchable; the statistics it needs
// (per-channel mean, RGB covariance eigen-decomposition) are in normalization.h.
//
// Pipeline for one example, in this order:
//   1. convert to cfg.channels (grey -> RGB by replication, RGB -> grey by BT.601 luma);
//   2. resize so the short side is cfg.resize_short (antialiased bilinear), if set;
//   3. keep the centre cfg.center x cfg.center square, if set (the paper: 256 -> 256x256);
//   4. zero-pad by cfg.pad on every side, if set (black pixels, like torchvision's RandomCrop
//      padding; for small images such as 28x28 Fashion-MNIST);
//   5. take a cfg.crop x cfg.crop window: random (Train), centred (Center), or one of ten fixed
//      windows (TenCrop0..9); flip it horizontally (Train: with probability 1/2; TenCrop5..9);
//   6. write out[c][y][x] = ((pixel + pca_shift[c]) - mean[c]) * scale[c], (C, crop, crop)
//      floats, where mean is subtracted only when cfg.subtract_mean and the PCA shift is non-zero
//      only in the Train view of a 3-channel image with cfg.pca_std > 0, and scale[c] is
//      channel_scale(norm, c) (pixel_scale / std[c]).
//
// Randomness (crop position, flip, the three PCA alphas) comes from an Rng seeded only by the
// rng_seed argument, so an example's augmentation does not depend on which thread made it.
//
// augment_u8 runs steps 1-5 identically (same windows, same flips, same draws) and writes bytes
// instead of step 6's floats: out[c][y][x] = clamp(pixel + round(pca_shift[c]), 0, 255), the shift
// rounded to whole levels (halves up), with mean subtraction and scaling left to whoever converts the bytes (the device):
// float = (byte - transform.mean[c]) * transform.scale[c], from input_transform(). Without a PCA shift
// (pca_std 0, a test view, one channel) that conversion gives augment's floats bit for bit; with
// one, each value differs by the rounding, at most 0.5 * pixel_scale, more only where the shifted
// pixel fell outside 0-255 and was clamped (tests/data/augment_u8_test.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/data/dataset.h"
#include "model/data/image.h"
#include "model/data/normalization.h"

namespace alexnet::data {

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
// The same on borrowed pixels (a memory-mapped record): no copy when no resize is needed.
void augment(const ImageView& image, const AugmentConfig& cfg, const Normalization& norm, View view,
             uint64_t rng_seed, float* out);
// Writes (cfg.channels, cfg.crop, cfg.crop) bytes, NCHW like augment's floats; see the top.
void augment_u8(const ImageView& image, const AugmentConfig& cfg, const Normalization& norm,
                View view, uint64_t rng_seed, uint8_t* out);

// How augment_u8's bytes become the network's input: x = (byte - mean[c]) * scale[c], per channel.
// mean is all zeros when cfg.subtract_mean is off.
struct InputTransform {
  std::vector<float> mean;   // cfg.channels entries, pixel units 0-255
  std::vector<float> scale;  // cfg.channels entries: channel_scale(norm, c)
};
InputTransform input_transform(const AugmentConfig& cfg, const Normalization& norm);

// The size augment's step 2 resizes a width x height image to: the short side exactly short_side,
// the long side scaled and rounded to nearest. DataError (naming `where`) past kMaxImageSide.
std::pair<int, int> short_side_size(int width, int height, int short_side, const std::string& where);

// Steps 2-3 for a square: short side to `size`, then the centre size x size, as a new image. What
// `prepare` stores, so that cropping a packed record gives the pixels augment would have cropped
// from the same decode (tests/data/packed_test.cpp).
Image resize_and_center(const ImageView& image, int size);

// Antialiased bilinear resize (a triangle filter widened by the scale factor when shrinking, as
// PIL does), 1-4 channels, rounded to 8 bits. Upscaling is plain bilinear with pixel centres
// aligned (half-pixel convention).
Image resize_bilinear(const Image& image, int width, int height);
Image resize_bilinear(const ImageView& image, int width, int height);

}  // namespace alexnet::data
