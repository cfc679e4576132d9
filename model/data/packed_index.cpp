// index.json: writing, and reading that checks every field. See packed_index.h.
#include "model/data/packed_index.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <utility>

#include "model/data/error.h"
#include "model/data/image.h"

namespace alexnet::data {

using nlohmann::json;

std::string PackedRecipe::resize() const {
  return "short side to " + std::to_string(size) + ", long side rounded to nearest, antialiased bilinear";
}
std::string PackedRecipe::crop() const {
  return "centre " + std::to_string(size) + "x" + std::to_string(size);
}
std::string PackedRecipe::decode() const {
  return "libjpeg-turbo DCT scaling to the smallest M/8 keeping the short side >= " + std::to_string(size) +
         "; greyscale and CMYK to RGB; alpha dropped";
}
std::string PackedRecipe::layout() const { return "(height, width, channels) uint8, RGB"; }

uint64_t PackedRecipe::hash() const {
  // Appended piece by piece: operator+ on temporaries trips a false GCC 12 -Wrestrict warning.
  std::string text = "v";
  text += std::to_string(kPackedVersion);
  for (const std::string& part : {std::to_string(channels), resize(), crop(), decode(), layout(),
                                  std::to_string(shard_images)}) {
    text += '|';
    text += part;
  }
  return packed_hash(text.data(), text.size());
}

namespace {

json split_json(const PackedSplitIndex& s) {
  json shards = json::array(), skipped = json::array();
  for (const auto& e : s.shards)
    shards.push_back({{"file", e.file}, {"count", e.count}, {"bytes", e.bytes}, {"meta_hash", hash_hex(e.meta_hash)}});
  for (const auto& k : s.skipped) skipped.push_back({{"path", k.path}, {"reason", k.reason}});
  return {{"folder", s.folder}, {"sources", s.sources}, {"count", s.count}, {"shards", shards}, {"skipped", skipped}};
}

// Field access that turns every surprise into DataError("<index>: field <name>: ...").
class Fields {
 public:
  explicit Fields(const std::string& path) : path_(path) {}
  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw DataError(path_, "field \"" + field + "\": " + problem);
  }
  const json& at(const json& j, const char* key, const std::string& where) const {
    if (!j.is_object()) fail(where, "is not an object");
    const auto it = j.find(key);
    if (it == j.end()) fail(where.empty() ? key : where + "." + key, "missing");
    return *it;
  }
  uint64_t u64(const json& j, const char* key, const std::string& where) const {
    const json& v = at(j, key, where);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      fail(name(where, key), "must be a non-negative integer, got " + v.dump());
    return v.get<uint64_t>();
  }
  int small_int(const json& j, const char* key, const std::string& where, int lo, int hi) const {
    const uint64_t v = u64(j, key, where);
    if (v < static_cast<uint64_t>(lo) || v > static_cast<uint64_t>(hi))
      fail(name(where, key), "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(v));
    return static_cast<int>(v);
  }
  std::string str(const json& j, const char* key, const std::string& where) const {
    const json& v = at(j, key, where);
    if (!v.is_string()) fail(name(where, key), "must be a string");
    return v.get<std::string>();
  }
  uint64_t hash(const json& j, const char* key, const std::string& where) const {
    uint64_t h = 0;
    if (!parse_hash_hex(str(j, key, where), h)) fail(name(where, key), "must be 16 lowercase hex digits");
    return h;
  }
  const json& array(const json& j, const char* key, const std::string& where) const {
    const json& v = at(j, key, where);
    if (!v.is_array()) fail(name(where, key), "must be an array");
    return v;
  }
  static std::string name(const std::string& where, const char* key) { return where.empty() ? key : where + "." + key; }

 private:
  const std::string& path_;
};

// A shard or mean-image file name must stay inside the folder: one plain name.
bool plain_file_name(const std::string& f) {
  return !f.empty() && f.size() <= 255 && f != "." && f != ".." && f.find('/') == std::string::npos &&
         f.find('\0') == std::string::npos;
}

PackedSplitIndex read_split(const Fields& f, const json& j, const std::string& where) {
  PackedSplitIndex s;
  s.present = true;
  s.folder = f.str(j, "folder", where);
  s.sources = f.u64(j, "sources", where);
  s.count = f.u64(j, "count", where);
  uint64_t total = 0;
  const json& shards = f.array(j, "shards", where);
  for (std::size_t k = 0; k < shards.size(); ++k) {
    const std::string w = where + ".shards[" + std::to_string(k) + "]";
    PackedShardEntry e;
    e.file = f.str(shards[k], "file", w);
    if (!plain_file_name(e.file)) f.fail(w + ".file", "must be a plain file name inside the folder");
    e.count = f.u64(shards[k], "count", w);
    e.bytes = f.u64(shards[k], "bytes", w);
    e.meta_hash = f.hash(shards[k], "meta_hash", w);
    if (e.count > kMaxShardRecords) f.fail(w + ".count", "over the limit of " + std::to_string(kMaxShardRecords));
    total += e.count;
    s.shards.push_back(std::move(e));
  }
  if (total != s.count)
    f.fail(where + ".count", "is " + std::to_string(s.count) + " but the shards hold " + std::to_string(total));
  const json& skipped = f.array(j, "skipped", where);
  for (std::size_t k = 0; k < skipped.size(); ++k) {
    const std::string w = where + ".skipped[" + std::to_string(k) + "]";
    s.skipped.push_back({0, f.str(skipped[k], "path", w), f.str(skipped[k], "reason", w)});
  }
  if (s.count + s.skipped.size() != s.sources)
    f.fail(where + ".sources", std::to_string(s.sources) + " sources but " + std::to_string(s.count) + " stored and " +
                                   std::to_string(s.skipped.size()) + " skipped");
  return s;
}

PixelStats read_stats(const Fields& f, const json& j, int channels) {
  PixelStats st;
  st.channels = channels;
  st.pixels = f.u64(j, "pixels", "normalization");
  const json& sum = f.array(j, "sum", "normalization");
  const json& cross = f.array(j, "cross", "normalization");
  if (sum.size() != static_cast<std::size_t>(channels) || cross.size() != static_cast<std::size_t>(channels))
    f.fail("normalization.sum", "needs " + std::to_string(channels) + " entries in sum and cross");
  for (int a = 0; a < channels; ++a) {
    const json& row = cross[static_cast<std::size_t>(a)];
    if (!row.is_array() || row.size() != static_cast<std::size_t>(channels))
      f.fail("normalization.cross", "must be " + std::to_string(channels) + "x" + std::to_string(channels));
    const json& v = sum[static_cast<std::size_t>(a)];
    if (!v.is_number_unsigned()) f.fail("normalization.sum", "must hold non-negative integers");
    st.sum[a] = v.get<uint64_t>();
    for (int b = 0; b < channels; ++b) {
      const json& x = row[static_cast<std::size_t>(b)];
      if (!x.is_number_unsigned()) f.fail("normalization.cross", "must hold non-negative integers");
      if (b >= a) st.cross[a][b] = x.get<uint64_t>();
    }
  }
  if (st.pixels == 0) f.fail("normalization.pixels", "is 0");
  // A mean above 255 or a variance below zero cannot come from bytes.
  for (int a = 0; a < channels; ++a)
    if (st.sum[a] / 255 > st.pixels || st.cross[a][a] / 255 > st.sum[a])
      f.fail("normalization.sum", "sums that no set of 0-255 pixels has");
  return st;
}

}  // namespace

std::string packed_index_json(const PackedIndex& index) {
  const PackedRecipe& r = index.recipe;
  json j = {{"format", kPackedFormatName},
            {"version", kPackedVersion},
            {"recipe",
             {{"size", r.size}, {"channels", r.channels}, {"resize", r.resize()}, {"crop", r.crop()},
              {"decode", r.decode()}, {"layout", r.layout()}, {"shard_images", r.shard_images},
              {"hash", hash_hex(r.hash())}}},
            {"source", index.source},
            {"classes", index.classes}};
  json splits = json::object();
  if (index.train.present) splits["train"] = split_json(index.train);
  if (index.val.present) splits["val"] = split_json(index.val);
  j["splits"] = splits;
  if (index.stats) {
    const PixelStats& st = *index.stats;
    const Normalization n = st.normalization();
    json sum = json::array(), cross = json::array(), eigvec = json::array();
    for (int a = 0; a < st.channels; ++a) {
      sum.push_back(st.sum[a]);
      json row = json::array();
      for (int b = 0; b < st.channels; ++b) row.push_back(b >= a ? st.cross[a][b] : st.cross[b][a]);
      cross.push_back(row);
      eigvec.push_back({n.eigvec[a][0], n.eigvec[a][1], n.eigvec[a][2]});
    }
    j["normalization"] = {{"split", "train"}, {"pixels", st.pixels}, {"sum", sum}, {"cross", cross},
                          {"mean", n.mean}, {"eigval", n.eigval}, {"eigvec", eigvec},
                          {"mean_image", {{"file", index.mean_image_file}, {"bytes", index.mean_image_bytes},
                                          {"hash", hash_hex(index.mean_image_hash)}}}};
  }
  return j.dump(1) + "\n";
}

PackedIndex parse_packed_index(const std::string& text, const std::string& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw DataError(path, std::string("not valid JSON: ") + e.what());
  }
  const Fields f(path);
  if (!j.is_object() || !j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != kPackedFormatName)
    throw DataError(path, std::string("not an index of packed images (no \"format\": \"") + kPackedFormatName + "\")");
  const uint64_t version = f.u64(j, "version", "");
  if (version != kPackedVersion)
    throw DataError(path, "format version " + std::to_string(version) + ", this build reads " + std::to_string(kPackedVersion));
  PackedIndex index;
  const json& recipe = f.at(j, "recipe", "");
  index.recipe.size = f.small_int(recipe, "size", "recipe", 1, static_cast<int>(kMaxPackedSide));
  index.recipe.channels = f.small_int(recipe, "channels", "recipe", 1, 3);
  if (index.recipe.channels == 2) f.fail("recipe.channels", "must be 1 or 3");
  index.recipe.shard_images = f.small_int(recipe, "shard_images", "recipe", 1, static_cast<int>(kMaxShardRecords));
  if (f.hash(recipe, "hash", "recipe") != index.recipe.hash())
    f.fail("recipe.hash", "does not match the recipe (written by another version of prepare?)");
  index.source = f.str(j, "source", "");
  const json& classes = f.array(j, "classes", "");
  for (const json& c : classes) {
    if (!c.is_string()) f.fail("classes", "must hold strings");
    index.classes.push_back(c.get<std::string>());
  }
  if (index.classes.empty()) f.fail("classes", "is empty");
  const json& splits = f.at(j, "splits", "");
  if (!splits.is_object()) f.fail("splits", "is not an object");
  if (splits.contains("train")) index.train = read_split(f, splits["train"], "splits.train");
  if (splits.contains("val")) index.val = read_split(f, splits["val"], "splits.val");
  if (!index.train.present && !index.val.present) f.fail("splits", "holds neither train nor val");
  if (j.contains("normalization")) {
    const json& n = j["normalization"];
    index.stats = read_stats(f, n, index.recipe.channels);
    const json& mean = f.at(n, "mean_image", "normalization");
    index.mean_image_file = f.str(mean, "file", "normalization.mean_image");
    if (!plain_file_name(index.mean_image_file))
      f.fail("normalization.mean_image.file", "must be a plain file name inside the folder");
    index.mean_image_bytes = f.u64(mean, "bytes", "normalization.mean_image");
    index.mean_image_hash = f.hash(mean, "hash", "normalization.mean_image");
  } else if (index.train.present) {
    f.fail("normalization", "missing (a prepared training split always has it)");
  }
  return index;
}

PackedIndex read_packed_index(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path, kMaxIndexBytes);
  return parse_packed_index(std::string(bytes.begin(), bytes.end()), path);
}

}  // namespace alexnet::data
