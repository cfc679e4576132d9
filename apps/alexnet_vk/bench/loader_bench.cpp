// The loader-only benchmark. See loader_bench.h.
#include "apps/alexnet_vk/bench/loader_bench.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "model/data/cpu_time.h"
#include "model/data/loader.h"
#include "model/graph/arch_file.h"
#include "model/train/data_source.h"
#include "model/train/train_setup.h"

namespace alexnet {

BenchLoader bench_loader(const LoaderBenchOptions& o, const Arch& arch, const DataSource& source, int batch) {
  BenchLoader out;
  AugmentFlags flags;
  flags.pca = o.pca;
  out.augment = augment_for(arch, source, flags);
  if (source.normalization) {
    out.norm = *source.normalization;
  } else {
    out.norm.mean.assign(static_cast<std::size_t>(source.train->channels()), 118.0f);
    out.norm.eigval = {0.2175f, 0.0188f, 0.0045f};
    out.norm.eigvec = {{{0.5675f, 0.5808f, 0.5836f}, {0.7192f, 0.0045f, -0.6948f}, {0.4009f, -0.8140f, 0.4203f}}};
  }
  out.norm = arch_normalization(arch, out.norm);
  const int threads = o.threads ? o.threads : data::default_loader_threads();
  out.config.batch = batch;
  out.config.threads = threads;
  out.config.prefetch = 2 * threads;
  out.config.output = o.format == "float" ? data::PixelFormat::Float : data::PixelFormat::Uint8;
  out.config.scaled_decode = !o.full_decode;
  return out;
}

void add_loader_bench_options(CLI::App* bench, LoaderBenchOptions& o) {
  bench->add_flag("--loader-only", o.enabled, "time the data loader alone on --data (no device)");
  bench->add_option("--data", o.data, "packed data, an image folder or IDX files: with --loader-only the loader alone, else training steps fed by it");
  bench->add_option("--threads", o.threads, "loader threads (0: all hardware threads but one)");
  bench->add_option("--batches", o.batches, "--loader-only: timed batches")->capture_default_str();
  bench->add_option("--format", o.format, "--loader-only: uint8 or float batches")
      ->check(CLI::IsMember({"uint8", "float"}))
      ->capture_default_str();
  bench->add_flag("--no-pca", [&o](std::int64_t) { o.pca = false; }, "with --data: no PCA lighting");
  bench->add_flag("--full-decode", o.full_decode, "with --data: decode JPEGs at full size (no DCT scaling)");
}

LoaderBenchResult run_loader_bench(const LoaderBenchOptions& o, const std::string& arch_name, int input_size,
                                   int batch, int warmup) {
  if (o.data.empty()) throw std::invalid_argument("bench --loader-only needs --data DIR");
  if (o.batches < 1 || batch < 1 || warmup < 0 || o.threads < 0)
    throw std::invalid_argument("bench --loader-only: --batches and --batch must be >= 1, --warmup and --threads >= 0");
  const DataSource source = open_data(o.data);
  const data::Dataset& set = *source.train;
  const Arch arch = resolve_arch(arch_name, set.num_classes(), set.channels(), input_size);
  BenchLoader setup = bench_loader(o, arch, source, batch);
  data::LoaderConfig& cfg = setup.config;
  const int threads = cfg.threads;

  using Clock = std::chrono::steady_clock;
  LoaderBenchResult r{o.data, source.kind, o.format, arch_name, threads, batch, o.batches, setup.augment.crop};
  Clock::time_point start = Clock::now();  // both reset after the warm-up batches
  double cpu_start = data::process_cpu_seconds();
  int taken = 0;
  const int total = warmup + o.batches;
  // Epoch after epoch until enough batches: one Loader covers one epoch.
  for (int epoch = 0; taken < total; ++epoch) {
    cfg.epoch = epoch;
    data::Loader loader(set, setup.augment, setup.norm, cfg);
    if (loader.batches_per_epoch() == 0)
      throw std::invalid_argument(o.data + ": fewer images than one batch of " + std::to_string(batch));
    while (taken < total) {
      const auto b = loader.next();
      if (!b) break;
      if (++taken == warmup) {
        start = Clock::now();
        cpu_start = data::process_cpu_seconds();
      }
      if (taken > warmup) r.images += static_cast<std::size_t>(b->count);
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.cpu_seconds = data::process_cpu_seconds() - cpu_start;
  r.images_per_cpu_second = r.cpu_seconds > 0 ? static_cast<double>(r.images) / r.cpu_seconds : 0;
  r.images_per_second = r.seconds > 0 ? static_cast<double>(r.images) / r.seconds : 0;
  r.images_per_second_per_thread = r.images_per_second / threads;
  r.skipped = set.skipped_count();
  return r;
}

int print_loader_bench(const LoaderBenchResult& r, bool json) {
  if (json) {
    const nlohmann::json j = {{"data", r.data}, {"kind", r.kind}, {"format", r.format}, {"arch", r.arch},
                              {"crop", r.crop}, {"threads", r.threads}, {"batch", r.batch}, {"batches", r.batches},
                              {"images", r.images}, {"seconds", r.seconds}, {"images_per_second", r.images_per_second},
                              {"images_per_second_per_thread", r.images_per_second_per_thread},
                              {"cpu_seconds", r.cpu_seconds}, {"images_per_cpu_second", r.images_per_cpu_second},
                              {"skipped", r.skipped}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("loader on %s (%s): %d threads, %d batches of %d %s %dx%d crops (%s augmentation)\n", r.data.c_str(),
              r.kind.c_str(), r.threads, r.batches, r.batch, r.format.c_str(), r.crop, r.crop, r.arch.c_str());
  std::printf("throughput: %.1f images/s, %.1f per thread (%zu images in %.2f s); %.1f images per CPU second%s\n",
              r.images_per_second, r.images_per_second_per_thread, r.images, r.seconds, r.images_per_cpu_second,
              r.skipped ? (", " + std::to_string(r.skipped) + " corrupt examples skipped").c_str() : "");
  return 0;
}

}  // namespace alexnet
