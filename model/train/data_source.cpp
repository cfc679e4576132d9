#include "model/train/data_source.h"

#include <filesystem>

#include "model/data/error.h"
#include "model/data/packed_dataset.h"

namespace alexnet {
namespace fs = std::filesystem;

namespace {

// A name that cannot even be looked up (a symlink loop, a target name too long) is a DataError
// naming it, not std::filesystem's exception.
bool has_idx(const fs::path& dir) {
  for (const char* name : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte",
                           "t10k-images-idx3-ubyte.gz"}) {
    const fs::path file = dir / name;
    std::error_code ec;
    const bool found = fs::exists(file, ec);
    if (ec) throw data::DataError(file.string(), "cannot be looked up: " + ec.message());
    if (found) return true;
  }
  return false;
}

}  // namespace

DataSource open_data(const std::string& dir, bool need_train) {
  DataSource source;
  if (data::is_packed(dir) || data::has_packed_shards(dir)) {  // the latter: says "interrupted"
    source.kind = "packed";
    if (need_train) source.train = data::open_packed(dir, data::PackedSplit::Train);
    auto val = data::open_packed(dir, data::PackedSplit::Val);
    source.normalization = val->normalization();
    source.val = std::move(val);
    if (source.train && source.train->class_names() != source.val->class_names())
      throw data::DataError(dir, "train and val splits have different classes");
    return source;
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw data::DataError(dir, "no such data folder");
  if (has_idx(dir)) {
    source.kind = "idx";
    // IDX files carry only label numbers; Fashion-MNIST's folder name tells us its class names.
    std::vector<std::string> names;
    if (std::string(dir).find("fashion") != std::string::npos) names = data::fashion_mnist_class_names();
    if (need_train) source.train = data::open_idx(dir, data::Split::Train, names);
    source.val = data::open_idx(dir, data::Split::Test, names);
    return source;
  }
  // The held-out split is val/, or test/ where there is no val/ (as prepare reads it).
  const bool has_val = fs::is_directory(fs::path(dir) / "val", ec);
  const std::string held_out = has_val || !fs::is_directory(fs::path(dir) / "test", ec) ? "val" : "test";
  if (fs::is_directory(fs::path(dir) / held_out, ec) || fs::is_directory(fs::path(dir) / "train", ec)) {
    source.kind = "folder";
    if (need_train) source.train = std::make_unique<data::ImageFolderDataset>((fs::path(dir) / "train").string());
    source.val = std::make_unique<data::ImageFolderDataset>((fs::path(dir) / held_out).string());
    if (source.train && source.train->class_names() != source.val->class_names())
      throw data::DataError(dir, "train/ and " + held_out + "/ have different class folders");
    return source;
  }
  throw data::DataError(dir, "neither IDX files (train-images-idx3-ubyte...), train/ and val/ class folders, nor packed "
                             "data (index.json, made by alexnet_vk prepare)");
}

CropMode parse_crop_mode(const std::string& name) {
  if (name == "auto") return CropMode::Auto;
  if (name == "random") return CropMode::Random;
  if (name == "center") return CropMode::Center;
  throw std::invalid_argument("crop must be 'auto', 'random' or 'center', got '" + name + "'");
}

const char* crop_mode_name(CropMode mode) {
  switch (mode) {
    case CropMode::Random: return "random";
    case CropMode::Center: return "center";
    default: return "auto";
  }
}

data::AugmentConfig augment_for(const Arch& arch, const DataSource& source, const AugmentFlags& flags) {
  data::AugmentConfig c;
  c.crop = arch.in_size;
  c.channels = arch.in_channels;
  if (source.kind == "idx") {
    c.pad = arch.in_size / 14;
  } else {
    c.resize_short = arch.in_size * 256 / 224;
    c.center = c.resize_short;
  }
  c.random_crop = flags.crop == CropMode::Random || (flags.crop == CropMode::Auto && source.kind != "idx");
  c.flip = flags.flip;
  c.pca_std = flags.pca && arch.in_channels == 3 ? 0.1f : 0.0f;
  c.subtract_mean = flags.subtract_mean;
  return c;
}

}  // namespace alexnet
