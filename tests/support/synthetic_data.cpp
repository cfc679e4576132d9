#include "tests/support/synthetic_data.h"

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "model/data/idx.h"

namespace alexnet::testing {

void write_synthetic_idx(const std::filesystem::path& dir, std::size_t count, std::uint32_t seed, int classes) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(seed);
  for (const char* split : {"train", "t10k"}) {
    data::IdxImages images{count, 28, 28, std::vector<std::uint8_t>(count * 28 * 28)};
    std::vector<std::uint8_t> labels(count);
    for (std::size_t i = 0; i < count; ++i) {
      const int c = static_cast<int>(rng() % static_cast<std::uint32_t>(classes));
      labels[i] = static_cast<std::uint8_t>(c);
      auto* p = &images.pixels[i * 28 * 28];
      for (int k = 0; k < 28 * 28; ++k) p[k] = static_cast<std::uint8_t>(rng() % 60);
      const int y0 = 2 + (c / 5) * 12, x0 = 2 + (c % 5) * 5;
      for (int y = y0; y < y0 + 6; ++y)
        for (int x = x0; x < x0 + 6 && x < 28; ++x) p[y * 28 + x] = 230;
    }
    data::write_idx_images((dir / (std::string(split) + "-images-idx3-ubyte")).string(), images, false);
    data::write_idx_labels((dir / (std::string(split) + "-labels-idx1-ubyte")).string(), labels, false);
  }
}

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
    fields.push_back(line.substr(start, comma - start));
  fields.push_back(line.substr(start));
  return fields;
}

}  // namespace

std::vector<std::string> metrics_without_times(const std::filesystem::path& path) {
  std::vector<std::string> rows;
  std::ifstream in(path);
  std::vector<bool> keep;
  for (std::string line; std::getline(in, line);) {
    const auto fields = split_csv(line);
    if (keep.empty())  // the header names the columns
      for (const auto& name : fields) keep.push_back(name != "seconds" && name != "data_wait_seconds");
    std::string row;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (i >= keep.size() || keep[i]) row += (row.empty() ? "" : ",") + fields[i];
    rows.push_back(row);
  }
  return rows;
}

}  // namespace alexnet::testing
