// `alexnet_vk bench`: per-layer GPU timings and throughput of the real network on synthetic data.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/alexnet_vk/commands.h"
#include "apps/alexnet_vk/bench/bench.h"
#include "apps/alexnet_vk/bench/data_bench.h"
#include "apps/alexnet_vk/bench/gemm_bench.h"
#include "apps/alexnet_vk/bench/loader_bench.h"

namespace alexnet::app {
namespace {

int print_gemm_bench(const GemmBenchResult& r, bool json) {
  if (json) {
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& p : r.paths)
      paths.push_back({{"path", p.path}, {"precision", p.precision}, {"ms", p.ms}, {"gflops", p.gflops},
                       {"skipped", p.skipped}});
    const nlohmann::json j = {{"device", r.device},
                              {"gemm_n", r.n},
                              {"iters", r.iters},
                              {"paths", paths},
                              {"best_gflops", r.best_gflops},
                              {"best_path", r.best_path},
                              {"best_fp16_gflops", r.best_fp16_gflops},
                              {"best_fp16_path", r.best_fp16_path}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("GEMM %d x %d x %d on %s, median of %d\n", r.n, r.n, r.n, r.device.c_str(), r.iters);
  for (const auto& p : r.paths) {
    if (!p.skipped.empty())
      std::printf("%-8s %-5s skipped: %s\n", p.path.c_str(), p.precision.c_str(), p.skipped.c_str());
    else
      std::printf("%-8s %-5s %10.3f ms %10.2f GFLOP/s\n", p.path.c_str(), p.precision.c_str(), p.ms, p.gflops);
  }
  std::printf("best: %.2f GFLOP/s (%s)\n", r.best_gflops, r.best_path.c_str());
  if (!r.best_fp16_path.empty())
    std::printf("best fp16: %.2f GFLOP/s (%s)\n", r.best_fp16_gflops, r.best_fp16_path.c_str());
  return 0;
}

void print_bench_json(const BenchResult& r) {
  const bool exchanges = r.memory.size() > 1;  // the layout exchanged data between devices
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.layers) layers.push_back({{"name", l.name}, {"ms", l.ms}, {"gflops", l.gflops}});
  nlohmann::json j = {{"device", r.device}, {"arch", r.arch}, {"mode", r.mode}, {"precision", r.precision},
                      {"gemm_path", r.gemm_path}, {"batch", r.batch},
                      {"micro_batch", r.micro_batch}, {"iters", r.iters}, {"ms_per_step", r.ms_per_step},
                      {"ms_min", r.ms_min}, {"ms_max", r.ms_max}, {"gpu_ms_per_step", r.gpu_ms_per_step},
                      {"images_per_second", r.images_per_second},
                      {"images_per_second_min", r.images_per_second_min},
                      {"images_per_second_max", r.images_per_second_max},
                      {"host_overhead_ms", r.host_overhead_ms}, {"peak_device_mib", r.peak_device_mib},
                      {"submissions_per_step", r.submissions_per_step}, {"layers", layers},
                      {"startup_seconds", r.startup_seconds}, {"first_step_seconds", r.first_step_seconds}};
  nlohmann::json memory = nlohmann::json::array();
  for (const auto& m : r.memory)
    memory.push_back({{"device", m.device}, {"parameter_mib", m.parameter_mib}, {"activation_mib", m.activation_mib},
                      {"exchange_mib", m.exchange_mib}, {"scratch_mib", m.scratch_mib}});
  j["memory"] = memory;
  if (exchanges) {
    j["exchanged_mib_per_step"] = r.exchanged_mib_per_step;
    j["exchange_wait_ms"] = r.exchange_wait_ms;
  }
  std::printf("%s\n", j.dump(2).c_str());
}

void print_bench_text(const BenchResult& r) {
  const bool exchanges = r.memory.size() > 1;
  std::printf("bench %s %s %s batch %d (micro-batch %d) on %s, median of %d; GEMM path %s\n", r.arch.c_str(),
              r.mode.c_str(), r.precision.c_str(), r.batch, r.micro_batch, r.device.c_str(), r.iters,
              r.gemm_path.c_str());
  std::printf("%-24s %10s %10s\n", "layer / pass", "GPU ms", "GFLOP/s");
  for (const auto& l : r.layers) {
    if (l.gflops > 0) std::printf("%-24s %10.3f %10.2f\n", l.name.c_str(), l.ms, l.gflops);
    else std::printf("%-24s %10.3f %10s\n", l.name.c_str(), l.ms, "-");
  }
  std::printf("step: %.1f ms (min %.1f, max %.1f), GPU %.1f ms, host overhead %.1f ms\n", r.ms_per_step, r.ms_min,
              r.ms_max, r.gpu_ms_per_step, r.host_overhead_ms);
  std::printf("throughput: %.1f images/s (min %.1f, max %.1f); peak device memory %.1f MiB; %zu submission(s) per step%s\n",
              r.images_per_second, r.images_per_second_min, r.images_per_second_max, r.peak_device_mib,
              r.submissions_per_step, exchanges ? " per device" : "");
  std::printf("start-up: %.2f s from process start to the first step, which took %.2f s\n", r.startup_seconds,
              r.first_step_seconds);
  for (std::size_t d = 0; d < r.memory.size(); ++d)
    std::printf("memory, device %zu (%s): parameters %.1f MiB, activations %.1f MiB, exchange buffers %.1f MiB, "
                "kernel scratch %.1f MiB\n",
                d, r.memory[d].device.c_str(), r.memory[d].parameter_mib, r.memory[d].activation_mib,
                r.memory[d].exchange_mib, r.memory[d].scratch_mib);
  if (exchanges)
    std::printf("exchange: %.2f MiB per step between the devices; waiting for exchanged data, device 0 idled %.1f ms "
                "and device 1 %.1f ms per step\n",
                r.exchanged_mib_per_step, r.exchange_wait_ms[0], r.exchange_wait_ms[1]);
}

int print_bench(const BenchResult& r, bool json) {
  if (json) print_bench_json(r);
  else print_bench_text(r);
  return 0;
}

}  // namespace

Runner add_bench_command(CLI::App& app, const GlobalOptions& global) {
  auto* command = app.add_subcommand("bench", "time the network per layer on synthetic data, or with the loader on --data");
  auto o = std::make_shared<BenchOptions>();
  auto device = std::make_shared<DeviceChoice>();
  auto mode = std::make_shared<std::string>("train");
  auto json = std::make_shared<bool>(false);
  auto gemm = std::make_shared<int>(0);
  command->add_option("--arch", o->arch, "alexnet, alexnet-small, alexnet-torchvision or FILE.json")
      ->capture_default_str();
  command->add_option("--batch", o->batch, "images per step")->capture_default_str();
  command->add_option("--input-size", o->input_size, "input size (default: the architecture's)");
  command->add_option("--classes", o->classes, "classes of the last layer")->capture_default_str();
  command->add_option("--iters", o->iters, "timed steps")->capture_default_str();
  command->add_option("--warmup", o->warmup, "untimed steps first")->capture_default_str();
  command->add_option("--mode", *mode, "train or infer")->check(CLI::IsMember({"train", "infer"}))->capture_default_str();
  add_device_options(command, device);
  auto precision = std::make_shared<Precision>(Precision::Fp32);
  add_precision_option(command, precision);
  add_gemm_path_option(command, o->gemm_path);  // o is kept alive by the command's runner
  command->add_flag("--json", *json, "print one JSON object");
  command->add_option("--gemm", *gemm,
                      "instead of the network, time an N x N x N matrix product on every GEMM path");
  auto loader = std::make_shared<LoaderBenchOptions>();
  add_loader_bench_options(command, *loader);
  return [=, &global]() {
    if (loader->enabled)
      return print_loader_bench(run_loader_bench(*loader, o->arch, o->input_size, o->batch, o->warmup), *json);
    if (*gemm != 0) {
      auto instance = open_instance(global);
      vkrt::Context context(*instance, device->devices.empty() ? device->device : device->devices[0]);
      return print_gemm_bench(run_gemm_bench(context, *gemm, o->iters, o->warmup), *json);
    }
    BenchOptions options = *o;
    options.train = *mode == "train";
    options.precision = *precision;
    auto instance = open_instance(global);
    auto devices = open_devices(*instance, *device);
    if (!loader->data.empty()) {
      if (!options.train) throw UsageError("bench --data times training steps; drop --mode infer");
      return print_data_bench(run_data_bench(devices.list(), options, *loader), *json);
    }
    return print_bench(run_bench(devices.list(), options), *json);
  };
}

}  // namespace alexnet::app
