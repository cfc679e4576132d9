// Where training data comes from, and how each kind is augmented for each architecture.
//   - a folder with the four IDX files (MNIST / Fashion-MNIST layout, .gz or raw): train / t10k
//   - an ImageNet-layout folder: DIR/train/<class>/*.jpg|png and DIR/val/<class>/...
#pragma once

#include <memory>
#include <string>

#include "model/arch.h"
#include "model/data/augment.h"
#include "model/data/dataset.h"

namespace alexnet {

inline constexpr const char* kDefaultDataDir = "/usr/share/datasets/fashion-mnist";

struct DataSource {
  std::string kind;  // "idx" or "folder"
  std::unique_ptr<data::Dataset> train, val;
};

// Throws data::DataError naming the folder when it is neither layout or is unreadable.
DataSource open_data(const std::string& dir, bool need_train = true);

// Which parts of the paper's augmentation are on (all by default).
struct AugmentFlags {
  bool random_crop = true, flip = true, pca = true, subtract_mean = true;
};

// Images already at the network's input size (IDX) are padded by in_size/14 and randomly
// cropped back; larger images are resized (short side in_size*256/224), centre-cropped to a
// square and randomly cropped to in_size, as the paper does for 256 -> 224.
data::AugmentConfig augment_for(const Arch& arch, const DataSource& source, const AugmentFlags& flags);

}  // namespace alexnet
