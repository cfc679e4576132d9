// The packed-data reader. See packed_dataset.h.
#include "model/data/packed_dataset.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "model/data/error.h"

namespace alexnet::data {

namespace fs = std::filesystem;

namespace {

// The folder of a packed set given either the folder or its index.json.
std::string packed_dir(const std::string& path) {
  std::error_code ec;
  if (fs::path(path).filename() == kIndexFile && fs::is_regular_file(path, ec)) {
    const fs::path parent = fs::path(path).parent_path();
    return parent.empty() ? "." : parent.string();
  }
  return path;
}

// dir/index.json, or the DataError that says why a folder without one is not a data set.
std::string existing_index(const std::string& dir) {
  const std::string index_path = (fs::path(dir) / kIndexFile).string();
  std::error_code ec;
  if (!fs::exists(index_path, ec))
    throw DataError(dir, std::string("no ") + kIndexFile +
                             ": not a packed data set, or its prepare was interrupted (run prepare again)");
  return index_path;
}

}  // namespace

bool is_packed(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(packed_dir(dir)) / kIndexFile, ec);
}

bool has_packed_shards(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".pack") return true;
  return false;
}

PackedDataset::PackedDataset(const std::string& path, PackedSplit split)
    : dir_(packed_dir(path)), split_(split) {
  const std::string index_path = existing_index(dir_);
  index_ = read_packed_index(index_path);
  const PackedSplitIndex& s = index_.split(split);
  if (!s.present) throw DataError(index_path, std::string("holds no ") + split_name(split) + " split");
  if (s.count == 0) throw DataError(index_path, std::string("the ") + split_name(split) + " split holds no images");
  const uint32_t side = static_cast<uint32_t>(index_.recipe.size);
  const uint32_t channels = static_cast<uint32_t>(index_.recipe.channels);
  // s.count is not checked against the shards yet: a bound, not a promise.
  labels_.reserve(static_cast<std::size_t>(std::min<uint64_t>(s.count, kMaxShardRecords)));
  for (std::size_t k = 0; k < s.shards.size(); ++k) {
    const PackedShardEntry& e = s.shards[k];
    const std::string file = (fs::path(dir_) / e.file).string();
    Shard shard{MappedFile(file), {}, {}, {}, labels_.size()};
    const auto bytes = shard.file.bytes();
    if (bytes.size() != e.bytes)
      throw DataError(file, "is " + std::to_string(bytes.size()) + " bytes, " + kIndexFile + " says " +
                                std::to_string(e.bytes) + (bytes.size() < e.bytes ? " (truncated)" : ""));
    shard.header = decode_shard_header(bytes, file);
    const ShardHeader& h = shard.header;
    if (h.meta_hash != e.meta_hash)
      throw DataError(file, std::string("checksum mismatch: the metadata hash differs from ") + kIndexFile +
                                "'s (the shard was replaced or the index is stale)");
    if (h.split != split || h.shard != k || h.count != e.count)
      throw DataError(file, std::string("disagrees with ") + kIndexFile + ": header says " + split_name(h.split) +
                                " shard " + std::to_string(h.shard) + " of " + std::to_string(h.count) +
                                " images, the index " + split_name(split) + " shard " + std::to_string(k) +
                                " of " + std::to_string(e.count));
    if (h.width != side || h.height != side || h.channels != channels)
      throw DataError(file, "holds " + std::to_string(h.width) + "x" + std::to_string(h.height) + "x" +
                                std::to_string(h.channels) + " images, the recipe says " + std::to_string(side) +
                                "x" + std::to_string(side) + "x" + std::to_string(channels));
    ShardMeta meta = decode_shard_meta(
        h, bytes.subspan(static_cast<std::size_t>(h.meta_offset), static_cast<std::size_t>(h.meta_bytes)), file);
    for (std::size_t r = 0; r < meta.labels.size(); ++r) {
      if (meta.labels[r] < 0 || meta.labels[r] >= num_classes())
        throw DataError(file, "record " + std::to_string(r) + " has label " + std::to_string(meta.labels[r]) +
                                  ", outside the " + std::to_string(num_classes()) + " classes");
      labels_.push_back(meta.labels[r]);
    }
    shard.record_hashes = std::move(meta.record_hashes);
    shard.paths = std::move(meta.paths);
    shards_.push_back(std::move(shard));
  }
}

std::pair<const PackedDataset::Shard*, std::size_t> PackedDataset::locate(std::size_t i) const {
  if (i >= size()) throw std::out_of_range("PackedDataset: index " + std::to_string(i) + " of " + std::to_string(size()));
  // The last shard whose first record is <= i (shards may be empty).
  auto it = std::upper_bound(shards_.begin(), shards_.end(), i,
                             [](std::size_t v, const Shard& s) { return v < s.first; });
  while (true) {
    --it;
    if (i - it->first < it->header.count) return {&*it, i - it->first};
  }
}

ImageView PackedDataset::checked_record(std::size_t i) const {
  const auto [shard, r] = locate(i);
  const ShardHeader& h = shard->header;
  const std::size_t n = static_cast<std::size_t>(h.record_bytes());
  const uint8_t* p = shard->file.bytes().data() + h.pixels_offset + r * n;
  if (packed_hash(p, n) != shard->record_hashes[r])
    throw DataError(item_name(i), "checksum mismatch: the record's pixels are corrupt");
  return ImageView{static_cast<int>(h.width), static_cast<int>(h.height), static_cast<int>(h.channels), p};
}

std::optional<ImageView> PackedDataset::pixels_in_place(std::size_t i) const { return checked_record(i); }

Image PackedDataset::image(std::size_t i) const {
  const ImageView v = checked_record(i);
  const std::size_t n = static_cast<std::size_t>(v.width) * v.height * v.channels;
  return Image{v.width, v.height, v.channels, std::vector<uint8_t>(v.pixels, v.pixels + n)};
}

std::string PackedDataset::item_name(std::size_t i) const {
  const auto [shard, r] = locate(i);
  return shard->file.path() + "[" + std::to_string(r) + "] (" + shard->paths[r] + ")";
}

std::optional<Normalization> PackedDataset::normalization() const {
  if (!index_.stats) return std::nullopt;
  return index_.stats->normalization();
}

std::vector<float> PackedDataset::mean_image() const {
  if (!index_.stats) throw DataError(dir_, "has no training split, so no mean image");
  const std::string file = (fs::path(dir_) / index_.mean_image_file).string();
  const MappedFile f(file);
  const std::size_t floats = static_cast<std::size_t>(index_.recipe.size) * index_.recipe.size * index_.recipe.channels;
  if (f.bytes().size() != index_.mean_image_bytes || f.bytes().size() != floats * sizeof(float))
    throw DataError(file, "is " + std::to_string(f.bytes().size()) + " bytes, expected " +
                              std::to_string(floats * sizeof(float)));
  if (packed_hash(f.bytes().data(), f.bytes().size()) != index_.mean_image_hash)
    throw DataError(file, "checksum mismatch: the mean image is corrupt");
  std::vector<float> out(floats);
  std::memcpy(out.data(), f.bytes().data(), floats * sizeof(float));
  return out;
}

void PackedDataset::verify_all_records() const {
  for (std::size_t i = 0; i < size(); ++i) checked_record(i);
}

std::unique_ptr<PackedDataset> open_packed(const std::string& dir, PackedSplit split) {
  return std::make_unique<PackedDataset>(dir, split);
}

std::size_t verify_packed(const std::string& dir) {
  const PackedIndex index = read_packed_index(existing_index(packed_dir(dir)));
  std::size_t checked = 0;
  for (PackedSplit s : {PackedSplit::Train, PackedSplit::Val}) {
    if (!index.split(s).present || index.split(s).count == 0) continue;
    const PackedDataset set(dir, s);
    set.verify_all_records();
    if (s == PackedSplit::Train) set.mean_image();
    checked += set.size();
  }
  return checked;
}

}  // namespace alexnet::data
