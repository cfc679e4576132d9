// Labelled image collections: the Dataset interface and its two implementations, IDX files
// (MNIST, Fashion-MNIST; in memory) and image folders (the ImageNet layout; decoded on demand).
//
// Corrupt examples. One undecodable JPEG among ImageNet's 1.28 million must not kill a
// multi-day run, so the policy is skip-and-substitute: image_or_next_valid(i) returns example i
// if it decodes, else the next index (wrapping) that does, prints one line to stderr the first
// time each bad file is met ("warning: skipping corrupt example: <file>: <problem>"), and counts
// it (skipped_count()). The substitute depends only on which files are bad, never on timing, so
// the loader's batches stay reproducible. The label travels with the substitute image. Direct
// calls to image(i) still throw DataError: the skipping is a loader policy, not a hidden one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/data/image.h"

namespace alexnet::data {

class Dataset {
 public:
  virtual ~Dataset() = default;
  Dataset() = default;
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  virtual std::size_t size() const = 0;
  virtual int num_classes() const = 0;
  virtual const std::vector<std::string>& class_names() const = 0;  // num_classes() entries
  virtual int label(std::size_t i) const = 0;                          // in [0, num_classes())
  virtual int channels() const = 0;  // every image(i) has this many channels (1 or 3)
  // Example i, decoded. Thread-safe (called from loader threads concurrently). Throws DataError
  // naming the file when it is corrupt.
  virtual Image image(std::size_t i) const = 0;
  // Where example i comes from, for messages: a file path, or "<idx file>[i]".
  virtual std::string item_name(std::size_t i) const = 0;
  // Example i decoded at any size whose short side is still >= min_short_side, where the format
  // makes a smaller decode cheaper than a full one (JPEG DCT scaling, see decode_image); the loader
  // asks for its resize target. The default, and formats without such a decode, give image(i).
  virtual Image image_at_least(std::size_t i, int min_short_side) const {
    (void)min_short_side;
    return image(i);
  }
  // Example i without a copy, when the data set already holds it decoded in memory that lives as
  // long as the data set (packed data, memory-mapped): checked as image(i) would be (DataError when
  // corrupt). nullopt: this data set decodes, use image().
  virtual std::optional<ImageView> pixels_in_place(std::size_t i) const {
    (void)i;
    return std::nullopt;
  }

  struct Example {
    Image image;        // the pixels, unless `in_place` points into the data set
    std::size_t index;  // the example actually returned: i, or the substitute for a corrupt i
    std::optional<ImageView> in_place;
    ImageView pixels() const { return in_place ? *in_place : view_of(image); }
  };
  // The skip-and-substitute policy above. Thread-safe. Throws DataError only when no example at
  // all decodes. `image` is always filled.
  Example image_or_next_valid(std::size_t i) const;
  // The same policy for the loader: pixels in place where the data set has them, else decoded
  // with image_at_least(min_short_side) (0: image()). Read the pixels through Example::pixels().
  Example fetch_or_next_valid(std::size_t i, int min_short_side) const;
  // Distinct corrupt examples met so far.
  std::size_t skipped_count() const;

 private:
  template <class Fetch>
  Example next_valid(std::size_t i, Fetch&& fetch) const;

  mutable std::mutex bad_mutex_;
  mutable std::unordered_set<std::size_t> bad_;  // corrupt indices found so far
};

enum class Split { Train, Test };

// MNIST-format files in memory. Labels must be < num_classes.
class IdxDataset final : public Dataset {
 public:
  // images: (count, rows, cols); labels: count entries. Class names default to "0", "1", ...
  // (max label + 1 of them); names given must cover every label (there may be more, e.g. a test
  // split that lacks a class). `source` names the data in messages.
  IdxDataset(std::vector<uint8_t> pixels, std::size_t count, int rows, int cols,
             std::vector<uint8_t> labels, std::vector<std::string> class_names,
             std::string source);

  std::size_t size() const override { return count_; }
  int num_classes() const override { return static_cast<int>(class_names_.size()); }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  int label(std::size_t i) const override { return labels_.at(i); }
  int channels() const override { return 1; }
  Image image(std::size_t i) const override;
  std::string item_name(std::size_t i) const override;
  int rows() const { return rows_; }
  int cols() const { return cols_; }

 private:
  std::vector<uint8_t> pixels_;  // (count, rows, cols)
  std::size_t count_;
  int rows_, cols_;
  std::vector<uint8_t> labels_;
  std::vector<std::string> class_names_;
  std::string source_;
};

// Reads dir/{train,t10k}-images-idx3-ubyte and -labels-idx1-ubyte, each raw or with ".gz" (the
// plain name is tried first). Throws DataError when a file is missing or bad, when the counts of
// images and labels differ, or when class_names does not cover every label.
std::unique_ptr<IdxDataset> open_idx(const std::string& dir, Split split,
                                     std::vector<std::string> class_names = {});

// Fashion-MNIST's ten class names, for open_idx (the files themselves carry only digits).
std::vector<std::string> fashion_mnist_class_names();

// dir/<class>/<file> with one of torchvision's image extensions (kImageExtensions, case-insensitive;
// other files are ignored). Classes are the subdirectories sorted by name (byte order, which is
// torchvision ImageFolder's order too), so label k means the k-th name and a model trained here
// numbers its classes as one trained with ImageFolder; files are sorted too, so indices are the
// same on every machine. Unlike ImageFolder, hidden entries (".name") are neither classes nor
// examples and files in folders below a class folder are not examples. Images are decoded on
// demand and always returned as 3-channel RGB (ImageNet holds some greyscale and CMYK JPEGs);
// formats without a decoder here (kDecodedExtensions lists those with one) are corrupt examples,
// skipped and counted, so the example count still matches ImageFolder's.
class ImageFolderDataset final : public Dataset {
 public:
  explicit ImageFolderDataset(const std::string& dir);

  std::size_t size() const override { return files_.size(); }
  int num_classes() const override { return static_cast<int>(class_names_.size()); }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  int label(std::size_t i) const override { return labels_.at(i); }
  int channels() const override { return 3; }
  Image image(std::size_t i) const override;
  Image image_at_least(std::size_t i, int min_short_side) const override;
  std::string item_name(std::size_t i) const override { return files_.at(i); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::string> class_names_;
  std::vector<std::string> files_;  // full paths, grouped by class
  std::vector<int32_t> labels_;
};

// torchvision's ImageFolder extensions, and the ones decode_image reads.
inline constexpr const char* kImageExtensions[] = {".jpg", ".jpeg", ".png", ".ppm", ".bmp",
                                                   ".pgm", ".tif",  ".tiff", ".webp"};
inline constexpr const char* kDecodedExtensions = ".jpg, .jpeg, .png";

// Throws DataError when dir is missing or not a directory, has no class subdirectories, or a class
// subdirectory holds no image files.
std::unique_ptr<ImageFolderDataset> open_image_folder(const std::string& dir);

// root/train/<class>/... or root/val/<class>/...; split is "train" or "val" (else
// std::invalid_argument). For "val" the class names must be exactly train's, because labels are
// positions in the sorted list and a missing class would shift every later label (DataError
// naming the first difference). ImageNet's val set ships flat, with a separate ground-truth file:
// it must be sorted into class folders first.
std::unique_ptr<ImageFolderDataset> open_image_folder_split(const std::string& root,
                                                            const std::string& split);

}  // namespace alexnet::data
