// Small generated data for tests that train: independent of any installed data set.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace alexnet::testing {

// `classes` classes (at most ten) of 28x28 images in the four IDX files (train and t10k, `count`
// images each): class c is noise plus a bright 6x6 square at a class-specific place. Creates
// `dir` if needed.
void write_synthetic_idx(const std::filesystem::path& dir, std::size_t count, std::uint32_t seed, int classes = 10);

// The rows of a metrics.csv without its wall-clock columns (seconds, data_wait_seconds, found by
// the header's names), for comparing runs.
std::vector<std::string> metrics_without_times(const std::filesystem::path& path);

}  // namespace alexnet::testing
