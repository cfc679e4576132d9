// Where training data comes from, and how each kind is augmented for each architecture.
//   - a folder with the four IDX files (MNIST / Fashion-MNIST layout, .gz or raw): train / t10k
//   - an ImageNet-layout folder: DIR/train/<class>/*.jpg|png and DIR/val/<class>/... (or test/)
//   - packed data made by `alexnet_vk prepare` (DIR/index.json, model/data/packed_dataset.h):
//     memory-mapped, already decoded, resized and centre-cropped, with its normalisation stored
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "model/graph/arch.h"
#include "model/data/augment.h"
#include "model/data/dataset.h"

namespace alexnet {

inline constexpr const char* kDefaultDataDir = "/usr/share/datasets/fashion-mnist";

struct DataSource {
  std::string kind;  // "idx", "folder" or "packed"
  std::unique_ptr<data::Dataset> train, val;
  // Statistics that came with the data (packed: over every training image, summed by prepare),
  // to use instead of data::compute_normalization. pixel_scale is the architecture's to set.
  std::optional<data::Normalization> normalization;
};

// Throws data::DataError naming the folder or file when it is none of the layouts, is unreadable,
// or (packed) fails a check.
DataSource open_data(const std::string& dir, bool need_train = true);

// Where the training crop is taken. Auto: random for image folders (the paper's 256 -> 224
// crops), centred for IDX data. IDX images are already framed at the input size; random shifts
// of the padded 28x28 image slowed alexnet-small on Fashion-MNIST more than they regularised it
// (docs/results/fashion-mnist.md: 12.3% against 14.8% test error after 2 epochs).
enum class CropMode { Auto, Random, Center };

// Parses "auto" / "random" / "center"; throws std::invalid_argument naming the value otherwise.
CropMode parse_crop_mode(const std::string& name);
const char* crop_mode_name(CropMode mode);

// Which parts of the paper's augmentation are on (all by default).
struct AugmentFlags {
  CropMode crop = CropMode::Auto;
  bool flip = true, pca = true, subtract_mean = true;
};

// Images already at the network's input size (IDX) are padded by in_size/14 and cropped back
// (random crops only with CropMode::Random); larger images are resized (short side
// in_size*256/224), centre-cropped to a square and cropped to in_size, as the paper does for
// 256 -> 224.
data::AugmentConfig augment_for(const Arch& arch, const DataSource& source, const AugmentFlags& flags);

}  // namespace alexnet
