// Planning a prepare: source layout, shard plan hashes, the output folder. See prepare_plan.h.
#include "model/data/prepare_plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "model/data/dataset.h"
#include "model/data/error.h"
#include "model/data/file_io.h"

namespace alexnet::data {

namespace fs = std::filesystem;

namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

SourceSplit scan_split(const fs::path& root, const std::string& folder, PackedSplit split,
                       std::vector<std::string>& classes) {
  const ImageFolderDataset set(folder == "." ? root.string() : (root / folder).string());
  if (classes.empty()) {
    classes = set.class_names();
  } else if (set.class_names() != classes) {
    const auto& other = set.class_names();
    std::size_t k = 0;
    while (k < other.size() && k < classes.size() && other[k] == classes[k]) ++k;
    // The first difference in sorted order is a class one side lacks.
    const bool here_lacks = k >= other.size() || (k < classes.size() && classes[k] < other[k]);
    const std::string which = here_lacks ? "'" + classes[k] + "' of train/ is missing here"
                                         : "'" + other[k] + "' is not in train/";
    throw DataError(set.dir(), "classes differ from train/: " + which + " (" + std::to_string(other.size()) +
                                   " classes here, " + std::to_string(classes.size()) + " in train/)");
  }
  SourceSplit s;
  s.split = split;
  s.folder = folder;
  for (std::size_t i = 0; i < set.size(); ++i) {
    const std::string file = set.item_name(i);
    struct stat st;
    if (::stat(file.c_str(), &st) != 0) throw DataError(file, std::string("cannot stat: ") + std::strerror(errno));
    const uint64_t sig[3] = {static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_mtim.tv_sec),
                             static_cast<uint64_t>(st.st_mtim.tv_nsec)};
    s.signatures.push_back(packed_hash(sig, sizeof sig));
    s.paths.push_back(fs::path(file).lexically_relative(root).string());
    s.labels.push_back(set.label(i));
  }
  return s;
}

}  // namespace

SourcePlan scan_sources(const std::string& root_text) {
  const fs::path root = fs::path(root_text).lexically_normal();
  if (!is_dir(root)) throw DataError(root_text, "not a folder");
  SourcePlan plan;
  plan.root = root.string();
  const bool train = is_dir(root / "train");
  const std::string held_out = is_dir(root / "val") ? "val" : is_dir(root / "test") ? "test" : "";
  if (!train && held_out.empty()) {
    // A plain ImageFolder root: its class folders are the training split.
    plan.splits.push_back(scan_split(root, ".", PackedSplit::Train, plan.classes));
    return plan;
  }
  if (train) plan.splits.push_back(scan_split(root, "train", PackedSplit::Train, plan.classes));
  if (!held_out.empty()) plan.splits.push_back(scan_split(root, held_out, PackedSplit::Val, plan.classes));
  return plan;
}

uint64_t shard_plan_hash(const PackedRecipe& recipe, const SourceSplit& split, uint64_t first_slot, uint64_t slots) {
  // Hash of hashes: each slot contributes (path hash, label, signature).
  std::vector<uint64_t> parts = {recipe.hash(), static_cast<uint64_t>(split.split), first_slot, slots};
  for (uint64_t i = first_slot; i < first_slot + slots; ++i) {
    parts.push_back(packed_hash(split.paths[i].data(), split.paths[i].size()));
    parts.push_back(static_cast<uint64_t>(split.labels[i]));
    parts.push_back(split.signatures[i]);
  }
  return packed_hash(parts.data(), parts.size() * sizeof(uint64_t));
}

ShardHeader planned_header(const PackedRecipe& recipe, const SourceSplit& split, uint32_t shard) {
  ShardHeader h;
  h.split = split.split;
  h.shard = shard;
  h.width = h.height = static_cast<uint32_t>(recipe.size);
  h.channels = static_cast<uint32_t>(recipe.channels);
  const uint64_t per = static_cast<uint64_t>(recipe.shard_images);
  h.first_slot = uint64_t{shard} * per;
  h.slots = std::min<uint64_t>(per, split.paths.size() - h.first_slot);
  h.plan_hash = shard_plan_hash(recipe, split, h.first_slot, h.slots);
  return h;
}

namespace {

// Names prepare writes: index.json, the mean image, <split>-NNNNN.pack, and their temporaries.
bool ours(const std::string& name) {
  const std::string base = name.substr(0, name.find(".tmp."));
  if (base == kIndexFile || base == mean_image_file_name()) return true;
  for (const char* split : {"train-", "val-"}) {
    const std::string p = split;
    if (base.size() == p.size() + 10 && base.compare(0, p.size(), p) == 0 &&
        base.compare(base.size() - 5, 5, ".pack") == 0 &&
        std::all_of(base.begin() + static_cast<std::ptrdiff_t>(p.size()), base.end() - 5,
                    [](char c) { return c >= '0' && c <= '9'; }))
      return true;
  }
  return false;
}

}  // namespace

void claim_output_folder(const std::string& out, const std::string& source_root) {
  std::error_code ec;
  const fs::path o = fs::weakly_canonical(out, ec), s = fs::weakly_canonical(source_root, ec);
  const auto rel = o.lexically_relative(s);
  if (!rel.empty() && *rel.begin() != "..")
    throw DataError(out, "is inside the source folder " + source_root + " (it would be read as images); choose another --out");
  if (fs::exists(out, ec) && !is_dir(out)) throw DataError(out, "exists and is not a folder");
  fs::create_directories(out, ec);
  if (ec) throw DataError(out, "cannot create the folder: " + ec.message());
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!ours(name))
      throw DataError(out, "holds '" + name + "', which prepare did not write; refusing to write into it (choose an empty or new folder)");
    if (name.find(".tmp.") != std::string::npos || name == kIndexFile) stale.push_back(it->path());
  }
  if (ec) throw DataError(out, "cannot list the folder: " + ec.message());
  for (const fs::path& p : stale) {
    fs::remove(p, ec);
    if (ec) throw DataError(p.string(), "cannot remove: " + ec.message());
  }
  fsync_folder(out);
}

void remove_unplanned_shards(const std::string& out, const std::vector<std::string>& planned) {
  std::error_code ec;
  std::vector<fs::path> extra;
  for (fs::directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (ours(name) && name.size() > 5 && name.compare(name.size() - 5, 5, ".pack") == 0 &&
        std::find(planned.begin(), planned.end(), name) == planned.end())
      extra.push_back(it->path());
  }
  for (const fs::path& p : extra) fs::remove(p, ec);
}

}  // namespace alexnet::data
