// The data-folder readers (model/train/data_source.cpp's open_data: IDX folders and ImageNet-layout image
// folders) on a file tree built from the input, then what the loader does with every example:
// decode (with skip-and-substitute for corrupt files), label, augment, normalisation statistics.
//
// Input: records, each
//   kind u8 (0 folder, 1 file, 2 symbolic link; taken mod 3)
//   name_len u8, name: a path relative to the root, '/'-separated
//   data_len u16 little-endian, data: the file's bytes, or the link's target
// Names are kept inside the tree: empty, "." and ".." components are dropped and NUL bytes
// removed; link targets get the same treatment, so a link resolves within the tree (or dangles,
// or loops - all fair game). Parent folders are made as needed.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/graph/arch.h"
#include "model/data/augment.h"
#include "model/data/dataset.h"
#include "model/train/data_source.h"
#include "tests/fuzz/fuzz_common.h"

namespace fs = std::filesystem;
using namespace alexnet;

namespace {

constexpr int kMaxRecords = 64;
constexpr std::size_t kMaxExamples = 8;  // decoded per split and run, to keep runs fast

// A relative path whose components are all ordinary names ("" when none is left).
std::string clean_path(const uint8_t* p, std::size_t n) {
  std::string out, part;
  auto flush = [&] {
    if (!part.empty() && part != "." && part != "..") out += (out.empty() ? "" : "/") + part;
    part.clear();
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == '/') flush();
    else if (p[i] != 0) part += static_cast<char>(p[i]);
  }
  flush();
  return out;
}

void build_tree(const fs::path& root, const uint8_t* data, std::size_t size) {
  std::size_t pos = 0;
  for (int r = 0; r < kMaxRecords && pos + 4 <= size; ++r) {
    const int kind = data[pos] % 3;
    const std::size_t name_len = data[pos + 1];
    pos += 2;
    if (pos + name_len + 2 > size) break;
    const std::string name = clean_path(data + pos, name_len);
    pos += name_len;
    std::size_t len = data[pos] | (std::size_t{data[pos + 1]} << 8);
    pos += 2;
    len = std::min(len, size - pos);
    const uint8_t* body = data + pos;
    pos += len;
    if (name.empty()) continue;
    const fs::path path = root / name;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) continue;  // a parent is a file: skip this record
    if (kind == 0) {
      fs::create_directories(path, ec);
    } else if (kind == 1) {
      if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (len) std::fwrite(body, 1, len, f);
        std::fclose(f);
      }
    } else {
      const std::string target = clean_path(body, len);
      if (!target.empty()) fs::create_symlink(target, path, ec);
    }
  }
}

void exercise(const DataSource& source) {
  const Arch arch = make_arch("alexnet-small", 10, 3, 28);
  const data::AugmentConfig cfg = augment_for(arch, source, {});
  for (const data::Dataset* set : {source.train.get(), source.val.get()}) {
    if (!set) continue;
    if (set->size() == 0) fuzz::finding("open_data returned an empty data set");
    if (set->num_classes() < 1 ||
        set->class_names().size() != static_cast<std::size_t>(set->num_classes()))
      fuzz::finding("class names do not match num_classes");
    if (set->channels() != 1 && set->channels() != 3) fuzz::finding("bad channel count");
    data::Normalization norm;
    norm.mean.assign(3, 100.0f);
    std::vector<float> out(3 * 28 * 28);
    for (std::size_t i = 0; i < std::min(set->size(), kMaxExamples); ++i) {
      const int label = set->label(i);
      if (label < 0 || label >= set->num_classes()) fuzz::finding("label out of range");
      const data::Dataset::Example ex = set->image_or_next_valid(i);
      if (ex.index >= set->size()) fuzz::finding("substitute index out of range");
      if (ex.image.channels != set->channels()) fuzz::finding("image has the wrong channel count");
      // An image too small or too large for the crop is the augment DataError, as in the loader.
      fuzz::expect_documented_errors({"augment: "}, [&] {
        data::augment(ex.image, cfg, norm, data::View::Train, i, out.data());
      });
    }
    data::compute_normalization(*set, kMaxExamples, 1, 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const fs::path root = fuzz::scratch_dir() / "tree";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root);
  build_tree(root, data, size);
  // Every DataError names a path inside the tree ("<root>..."); "augment: " errors are caught
  // inside exercise().
  fuzz::expect_documented_errors({root.string()}, [&] {
    const DataSource source = open_data(root.string());
    exercise(source);
  });
  return 0;
}
