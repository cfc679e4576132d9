// `alexnet_vk bench --loader-only --data X`: the data loader alone, as fast as its threads can
// build batches, on a data set of any kind (packed, image folder, IDX) with the training
// augmentation an architecture uses (alexnet: 224 crops from 256, flips, PCA lighting). No device
// is opened; the consumer only takes batches, so the rate is what the loader could feed a GPU.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "model/data/loader.h"
#include "model/train/data_source.h"

namespace alexnet {

struct LoaderBenchOptions {
  bool enabled = false;      // --loader-only
  std::string data;          // --data
  int threads = 0;           // --threads; 0 = data::default_loader_threads()
  int batches = 40;          // --batches, timed
  std::string format = "uint8";  // --format uint8|float: the batch type the loader builds
  bool pca = true;           // --no-pca turns the PCA lighting off (torchvision has none)
  bool full_decode = false;  // --full-decode: no JPEG DCT scaling (image folders), for comparison
};

struct LoaderBenchResult {
  std::string data, kind, format, arch;
  int threads = 0, batch = 0, batches = 0, crop = 0;
  std::size_t images = 0;  // timed
  double seconds = 0, images_per_second = 0, images_per_second_per_thread = 0;
  // CPU time of the whole process (all threads) over the timed batches, and images per CPU
  // second: the per-core rate, which other work on a shared machine does not dilute.
  double cpu_seconds = 0, images_per_cpu_second = 0;
  std::size_t skipped = 0;  // corrupt examples met
};

// Registers --loader-only, --data, --threads, --batches, --format, --no-pca, --full-decode on the
// bench command.
void add_loader_bench_options(CLI::App* bench, LoaderBenchOptions& options);

// The loader set-up both benchmarks share: the training augmentation `arch` uses on `source`, the
// data's stored statistics (else plausible ones: computing them over an image folder would take
// longer than the benchmark, and they change no cost), and the loader's threads and batch format.
struct BenchLoader {
  data::AugmentConfig augment;
  data::Normalization norm;
  data::LoaderConfig config;
};
BenchLoader bench_loader(const LoaderBenchOptions& options, const Arch& arch, const DataSource& source, int batch);

// arch, input_size (0: the arch's), batch and warmup (untimed batches first) come from the bench
// command's own options. Throws DataError / std::invalid_argument with one-line messages.
LoaderBenchResult run_loader_bench(const LoaderBenchOptions& options, const std::string& arch, int input_size,
                                   int batch, int warmup);
int print_loader_bench(const LoaderBenchResult& result, bool json);

}  // namespace alexnet
