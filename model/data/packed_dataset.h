// Reading packed data (packed_format.h): a Dataset whose examples are memory-mapped records.
//
// Opening reads index.json, maps every shard of the split, and checks each header and metadata
// block against the index and the file sizes (DataError naming the file and the problem: a
// truncated shard, a checksum mismatch, a count that disagrees with the index, a label outside
// the classes). A record's pixels are checked against their hash when the record is read:
// pixels_in_place() hands the loader the mapped bytes after that check, so a crop reads the page
// cache directly; image() copies them. A record that fails its check is a corrupt example
// (DataError), which the loader skips and counts like an undecodable JPEG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/data/dataset.h"
#include "model/data/file_io.h"
#include "model/data/normalization.h"
#include "model/data/packed_index.h"

namespace alexnet::data {

class PackedDataset final : public Dataset {
 public:
  // dir: a folder holding index.json (or the path of index.json itself).
  PackedDataset(const std::string& dir, PackedSplit split);

  std::size_t size() const override { return labels_.size(); }
  int num_classes() const override { return static_cast<int>(index_.classes.size()); }
  const std::vector<std::string>& class_names() const override { return index_.classes; }
  int label(std::size_t i) const override { return labels_.at(i); }
  int channels() const override { return index_.recipe.channels; }
  Image image(std::size_t i) const override;
  std::optional<ImageView> pixels_in_place(std::size_t i) const override;
  // "<shard file>[record] (<source path>)"
  std::string item_name(std::size_t i) const override;

  int image_size() const { return index_.recipe.size; }  // every record is S x S
  const PackedIndex& index() const { return index_; }
  const std::string& dir() const { return dir_; }
  // Over every stored training pixel (index.json); nullopt when the set has no training split.
  std::optional<Normalization> normalization() const;
  // The training split's mean image, (S, S, C) floats in pixel units; DataError when the file is
  // missing, the wrong size or fails its checksum, or the set has no training split.
  std::vector<float> mean_image() const;
  // Checks every record's hash (verify_packed).
  void verify_all_records() const;

 private:
  struct Shard {
    MappedFile file;
    ShardHeader header;
    std::vector<uint64_t> record_hashes;
    std::vector<std::string> paths;
    std::size_t first = 0;  // data set index of its first record
  };
  std::pair<const Shard*, std::size_t> locate(std::size_t i) const;
  ImageView checked_record(std::size_t i) const;

  std::string dir_;
  PackedSplit split_;
  PackedIndex index_;
  std::vector<Shard> shards_;
  std::vector<int32_t> labels_;
};

// True when dir (or dir itself, a file) names a packed data set: dir/index.json exists, or dir is
// a file called index.json. Says nothing about validity.
bool is_packed(const std::string& dir);

// True when dir holds shard files (*.pack) but no index.json: a prepare that did not finish. Opening
// it then says so, instead of "not a data set".
bool has_packed_shards(const std::string& dir);

// Opens a split; DataError when the set has no such split.
std::unique_ptr<PackedDataset> open_packed(const std::string& dir, PackedSplit split);

// Every check there is: index, headers, metadata, every record's hash, the mean image. Returns
// the number of records checked; throws DataError at the first problem.
std::size_t verify_packed(const std::string& dir);

}  // namespace alexnet::data
