// The training step with the real loader in the loop. See data_bench.h.
#include "apps/alexnet_vk/bench/data_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "model/graph/arch_file.h"

namespace alexnet {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Per timed step: wall time, GPU time, and the time loading and staging the next batch took.
struct StepSamples {
  std::vector<double> wall, gpu, load;
};

// Steps as the trainer runs them: submit, load and stage the next batch, wait, update. Loaders
// cover one epoch each, so a long run opens the next epoch's.
StepSamples run_steps(Model& model, const data::Dataset& set, const BenchLoader& setup, int warmup, int iters) {
  StepSamples out;
  data::LoaderConfig cfg = setup.config;
  std::optional<data::Loader> loader;
  std::vector<float> mean, scale;
  auto next = [&]() -> std::optional<data::Batch> {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!loader) {
        loader.emplace(set, setup.augment, setup.norm, cfg);
        const data::InputTransform t = loader->input_transform();
        mean = t.mean;
        scale = t.scale;
        ++cfg.epoch;
      }
      if (auto b = loader->next()) return b;
      loader.reset();
    }
    throw std::invalid_argument("bench --data: fewer images than one batch of " + std::to_string(cfg.batch));
  };
  std::optional<data::Batch> batch = next();
  model.stage({{}, batch->labels, batch->pixels, mean, scale});
  for (int it = 0; it < warmup + iters; ++it) {
    const auto t0 = Clock::now();
    model.submit_gradients(net::StepKey{1, static_cast<std::uint32_t>(it), true});
    const auto load_start = Clock::now();
    batch = next();
    model.stage({{}, batch->labels, batch->pixels, mean, scale});
    const double load_ms = ms_since(load_start);
    model.wait();
    const double gpu_ms = model.last_stats().gpu_ms;
    model.update(1e-4f);
    if (it < warmup) continue;
    out.wall.push_back(ms_since(t0));
    out.gpu.push_back(gpu_ms);
    out.load.push_back(load_ms);
  }
  return out;
}

}  // namespace

DataBenchResult run_data_bench(const DeviceList& devices, const BenchOptions& bench, const LoaderBenchOptions& lo) {
  if (bench.batch < 1 || bench.iters < 1 || bench.warmup < 0)
    throw std::invalid_argument("bench needs --batch >= 1, --iters >= 1, --warmup >= 0");
  LoaderBenchOptions loader_only = lo;
  loader_only.format = "uint8";
  loader_only.batches = bench.iters;
  const LoaderBenchResult alone = run_loader_bench(loader_only, bench.arch, bench.input_size, bench.batch, bench.warmup);

  const DataSource source = open_data(lo.data);
  const data::Dataset& set = *source.train;
  const Arch arch = resolve_arch(bench.arch, set.num_classes(), set.channels(), bench.input_size);
  const BenchLoader setup = bench_loader(loader_only, arch, source, bench.batch);
  ModelOptions model_options{bench.batch, 0, true, SgdConfig{}};
  model_options.precision = bench.precision;
  model_options.gemm_path = bench.gemm_path;
  auto model = open_model(devices, arch, model_options);
  model->initialize(1);
  model->set_profiling(true);
  const StepSamples s = run_steps(*model, set, setup, bench.warmup, bench.iters);

  DataBenchResult r;
  r.data = lo.data;
  r.kind = source.kind;
  r.device = model->device_name();
  r.arch = arch.name;
  r.batch = bench.batch;
  r.iters = bench.iters;
  r.threads = setup.config.threads;
  r.crop = setup.augment.crop;
  r.loader_images_per_second = alone.images_per_second;
  r.ms_per_step = median(s.wall);
  r.gpu_ms_per_step = median(s.gpu);
  r.load_ms_per_step = median(s.load);
  std::vector<double> idle;
  for (std::size_t i = 0; i < s.load.size(); ++i) idle.push_back(std::max(0.0, s.load[i] - s.gpu[i]));
  r.device_wait_ms_per_step = median(idle);
  r.step_images_per_second = bench.batch / (r.ms_per_step / 1000);
  r.device_images_per_second = r.gpu_ms_per_step > 0 ? bench.batch / (r.gpu_ms_per_step / 1000) : 0;
  r.upload_mib_per_step = double(bench.batch) * model->input_count() / (1 << 20);
  return r;
}

int print_data_bench(const DataBenchResult& r, bool json) {
  if (json) {
    const nlohmann::json j = {{"data", r.data},
                              {"kind", r.kind},
                              {"device", r.device},
                              {"arch", r.arch},
                              {"batch", r.batch},
                              {"iters", r.iters},
                              {"threads", r.threads},
                              {"crop", r.crop},
                              {"loader_images_per_second", r.loader_images_per_second},
                              {"device_images_per_second", r.device_images_per_second},
                              {"step_images_per_second", r.step_images_per_second},
                              {"ms_per_step", r.ms_per_step},
                              {"gpu_ms_per_step", r.gpu_ms_per_step},
                              {"load_ms_per_step", r.load_ms_per_step},
                              {"device_wait_ms_per_step", r.device_wait_ms_per_step},
                              {"upload_mib_per_step", r.upload_mib_per_step}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("bench %s train batch %d on %s with the loader on %s (%s, %d threads, %dx%d uint8 crops), median of %d\n",
              r.arch.c_str(), r.batch, r.device.c_str(), r.data.c_str(), r.kind.c_str(), r.threads, r.crop, r.crop,
              r.iters);
  if (r.gpu_ms_per_step > 0)
    std::printf("loader alone: %.1f images/s; device alone: %.1f images/s (GPU %.1f ms a step)\n",
                r.loader_images_per_second, r.device_images_per_second, r.gpu_ms_per_step);
  else  // a layout without timestamps: the device's own rate and its idle time are not known
    std::printf("loader alone: %.1f images/s; device alone: not timed by this layout\n", r.loader_images_per_second);
  std::printf("together: %.1f images/s (%.1f ms a step); loading the next batch took %.1f ms a step, of which the "
              "device waited %.1f ms; upload %.2f MiB a step\n",
              r.step_images_per_second, r.ms_per_step, r.load_ms_per_step, r.device_wait_ms_per_step,
              r.upload_mib_per_step);
  return 0;
}

}  // namespace alexnet
