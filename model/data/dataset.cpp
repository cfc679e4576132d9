// The Dataset skip policy, IDX data sets and image folders. See dataset.h.
#include "model/data/dataset.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "model/data/error.h"
#include "model/data/idx.h"

namespace alexnet::data {

namespace fs = std::filesystem;

// ---- the skip-and-substitute policy ----

template <class Fetch>
Dataset::Example Dataset::next_valid(std::size_t i, Fetch&& fetch) const {
  const std::size_t n = size();
  if (n == 0) throw std::invalid_argument("image_or_next_valid: empty data set");
  std::string last_error;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t j = (i + k) % n;
    {
      std::lock_guard<std::mutex> lock(bad_mutex_);
      if (bad_.count(j)) continue;  // known bad: skip without decoding again
    }
    try {
      Example ex{{}, j, std::nullopt};
      fetch(j, ex);
      return ex;
    } catch (const DataError& e) {
      last_error = e.what();
      bool first_time;
      {
        std::lock_guard<std::mutex> lock(bad_mutex_);
        first_time = bad_.insert(j).second;
      }
      // One fprintf call per line, so lines from concurrent threads do not interleave.
      if (first_time) std::fprintf(stderr, "warning: skipping corrupt example: %s\n", e.what());
    }
  }
  throw DataError(item_name(i), "no example of the " + std::to_string(n) +
                                    " in this data set decodes (last error: " + last_error + ")");
}

Dataset::Example Dataset::image_or_next_valid(std::size_t i) const {
  return next_valid(i, [&](std::size_t j, Example& ex) { ex.image = image(j); });
}

Dataset::Example Dataset::fetch_or_next_valid(std::size_t i, int min_short_side) const {
  return next_valid(i, [&](std::size_t j, Example& ex) {
    ex.in_place = pixels_in_place(j);
    if (!ex.in_place) ex.image = min_short_side > 0 ? image_at_least(j, min_short_side) : image(j);
  });
}

std::size_t Dataset::skipped_count() const {
  std::lock_guard<std::mutex> lock(bad_mutex_);
  return bad_.size();
}

// ---- IDX ----

IdxDataset::IdxDataset(std::vector<uint8_t> pixels, std::size_t count, int rows, int cols,
                       std::vector<uint8_t> labels, std::vector<std::string> class_names,
                       std::string source)
    : pixels_(std::move(pixels)), count_(count), rows_(rows), cols_(cols),
      labels_(std::move(labels)), class_names_(std::move(class_names)),
      source_(std::move(source)) {
  if (rows <= 0 || cols <= 0 || pixels_.size() != count * static_cast<std::size_t>(rows) * cols)
    throw std::invalid_argument("IdxDataset: pixels do not match count x rows x cols");
  if (labels_.size() != count)
    throw DataError(source_, std::to_string(count) + " images but " +
                                 std::to_string(labels_.size()) + " labels");
  if (count == 0) throw DataError(source_, "holds no images");
  const int max_label = *std::max_element(labels_.begin(), labels_.end());
  if (class_names_.empty()) {
    for (int k = 0; k <= max_label; ++k) class_names_.push_back(std::to_string(k));
  } else if (max_label >= static_cast<int>(class_names_.size())) {
    throw DataError(source_, "label " + std::to_string(max_label) + " but only " +
                                 std::to_string(class_names_.size()) + " class names");
  }
}

Image IdxDataset::image(std::size_t i) const {
  if (i >= count_) throw std::out_of_range("IdxDataset::image: index " + std::to_string(i));
  const std::size_t n = static_cast<std::size_t>(rows_) * cols_;
  const auto first = pixels_.begin() + static_cast<std::ptrdiff_t>(i * n);
  return Image{cols_, rows_, 1, std::vector<uint8_t>(first, first + static_cast<std::ptrdiff_t>(n))};
}

std::string IdxDataset::item_name(std::size_t i) const {
  return source_ + "[" + std::to_string(i) + "]";
}

namespace {

// dir/name if it exists, else dir/name.gz; DataError naming both when neither does.
std::string find_idx_file(const std::string& dir, const std::string& name) {
  const fs::path plain = fs::path(dir) / name;
  std::error_code ec;
  if (fs::is_regular_file(plain, ec)) return plain.string();
  const fs::path gz = fs::path(dir) / (name + ".gz");
  if (fs::is_regular_file(gz, ec)) return gz.string();
  throw DataError(plain.string(), "not found (nor " + gz.filename().string() + ")");
}

}  // namespace

std::unique_ptr<IdxDataset> open_idx(const std::string& dir, Split split,
                                     std::vector<std::string> class_names) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError(dir, "not a directory");
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images_path = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_idx_file(dir, prefix + "-labels-idx1-ubyte");
  IdxImages images = read_idx_images(images_path);
  std::vector<uint8_t> labels = read_idx_labels(labels_path);
  if (labels.size() != images.count)
    throw DataError(labels_path, "holds " + std::to_string(labels.size()) + " labels but " +
                                     images_path + " holds " + std::to_string(images.count) +
                                     " images");
  return std::make_unique<IdxDataset>(std::move(images.pixels), images.count, images.rows,
                                      images.cols, std::move(labels), std::move(class_names),
                                      images_path);
}

std::vector<std::string> fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

// ---- image folders ----

namespace {

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

bool image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* known : kImageExtensions)
    if (ext == known) return true;
  return false;
}

// Sorted names of the subdirectories of dir. Hidden ones (".ipynb_checkpoints", ".git") are not
// classes: counting them would shift every label after them.
std::vector<std::string> list_classes(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw DataError(dir, "does not exist");
  if (!fs::is_directory(dir, ec)) throw DataError(dir, "not a directory");
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec), end;
  if (ec) throw DataError(dir, "cannot list: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw DataError(dir, "cannot list: " + ec.message());
    std::error_code type_ec;
    if (!hidden(it->path()) && it->is_directory(type_ec))
      names.push_back(it->path().filename().string());
  }
  if (ec) throw DataError(dir, "cannot list: " + ec.message());
  if (names.empty()) throw DataError(dir, "no class subdirectories");
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

ImageFolderDataset::ImageFolderDataset(const std::string& dir) : dir_(dir) {
  class_names_ = list_classes(dir);
  for (std::size_t k = 0; k < class_names_.size(); ++k) {
    const fs::path class_dir = fs::path(dir) / class_names_[k];
    std::vector<std::string> files;
    std::error_code ec;
    fs::directory_iterator it(class_dir, ec), end;
    if (ec) throw DataError(class_dir.string(), "cannot list: " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) throw DataError(class_dir.string(), "cannot list: " + ec.message());
      std::error_code type_ec;
      const fs::path& p = it->path();
      if (!hidden(p) && image_extension(p) && it->is_regular_file(type_ec))
        files.push_back(p.string());
    }
    if (ec) throw DataError(class_dir.string(), "cannot list: " + ec.message());
    if (files.empty())
      throw DataError(class_dir.string(), "class folder holds no image files (.jpg, .jpeg, .png, "
                                          ".ppm, .bmp, .pgm, .tif, .tiff or .webp)");
    std::sort(files.begin(), files.end());
    for (std::string& f : files) {
      files_.push_back(std::move(f));
      labels_.push_back(static_cast<int32_t>(k));
    }
  }
}

Image ImageFolderDataset::image(std::size_t i) const {
  return to_channels(load_image(files_.at(i)), 3);
}

Image ImageFolderDataset::image_at_least(std::size_t i, int min_short_side) const {
  return to_channels(load_image(files_.at(i), min_short_side), 3);
}

std::unique_ptr<ImageFolderDataset> open_image_folder(const std::string& dir) {
  return std::make_unique<ImageFolderDataset>(dir);
}

std::unique_ptr<ImageFolderDataset> open_image_folder_split(const std::string& root,
                                                            const std::string& split) {
  if (split != "train" && split != "val")
    throw std::invalid_argument("open_image_folder_split: split must be \"train\" or \"val\", got \"" +
                                split + "\"");
  const std::string dir = (fs::path(root) / split).string();
  auto dataset = open_image_folder(dir);
  if (split == "val") {
    const std::string train_dir = (fs::path(root) / "train").string();
    const std::vector<std::string> train = list_classes(train_dir);
    const std::vector<std::string>& val = dataset->class_names();
    for (std::size_t k = 0; k < std::max(train.size(), val.size()); ++k) {
      if (k < train.size() && k < val.size() && train[k] == val[k]) continue;
      // The first difference in sorted order is a class one side lacks.
      const bool val_lacks = k >= val.size() || (k < train.size() && train[k] < val[k]);
      const std::string& name = val_lacks ? train[k] : val[k];
      throw DataError(dir, "classes differ from " + train_dir + ": '" + name + "' is in " +
                               (val_lacks ? "train but not in val" : "val but not in train") +
                               " (" + std::to_string(val.size()) + " val classes, " +
                               std::to_string(train.size()) + " train classes)");
    }
  }
  return dataset;
}

}  // namespace alexnet::data
