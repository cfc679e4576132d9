#include "apps/alexnet_vk/bench/bench.h"

#include "apps/alexnet_vk/process_clock.h"
#include "model/graph/arch_file.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <stdexcept>

namespace alexnet {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// FLOPs per layer and pass: forward, the data gradient and the weight gradient each 2 * MACs.
std::map<std::string, double> flops_of(const Arch& arch, int batch) {
  std::map<std::string, double> flops;
  for (const auto& node : walk(arch)) {
    double macs = 0;
    if (node.kind == NodeKind::Conv)
      macs = double(node.out.count()) * (node.in.c / node.conv->groups) * node.conv->kernel * node.conv->kernel;
    else if (node.kind == NodeKind::Fc)
      macs = double(node.out.c) * node.in.c;
    if (macs == 0) continue;
    for (const char* pass : {" forward", " backward-data", " backward-weight"}) flops[node.name + pass] = 2 * macs * batch;
  }
  return flops;
}

// Synthetic images ~ N(0, 50) (raw pixels minus the mean) and random labels.
HostBatch synthetic_batch(const Model& model, int batch, std::vector<float>& images, std::vector<std::int32_t>& labels) {
  std::mt19937 rng(7);
  std::normal_distribution<float> pixel(0.0f, 50.0f);
  images.resize(std::size_t(batch) * model.input_count());
  labels.resize(batch);
  for (float& v : images) v = pixel(rng);
  for (auto& l : labels) l = static_cast<std::int32_t>(rng() % model.arch().classes);
  return {images, labels};
}

// Per timed iteration: each layer's GPU ms (labels in first-seen order), the step's wall and GPU
// ms, bytes exchanged, submissions and per-device exchange waits.
struct Samples {
  std::map<std::string, std::vector<double>> layer_ms;
  std::vector<std::string> order;
  std::vector<double> wall, gpu, exchanged, submissions;
  std::vector<std::vector<double>> idle;
  double first_ms = 0;  // the first step, warm-up or not: it carries the drivers' first-use compilation
};

Samples measure(Model& model, const BenchOptions& options, const std::vector<float>& images, std::vector<float>& probs) {
  Samples out;
  const std::size_t mb = model.micro_batch(), in = model.input_count();
  for (int it = 0; it < options.warmup + options.iters; ++it) {
    std::map<std::string, double> per_step;
    double gpu_total = 0, bytes = 0, submitted = 0;
    std::vector<double> waits;
    auto add_stats = [&] {  // after each submission of the step: inference runs one per micro-batch
      const StepStats s = model.last_stats();
      for (const auto& l : s.layers) {
        if (!per_step.count(l.label) && !out.layer_ms.count(l.label)) out.order.push_back(l.label);
        per_step[l.label] += l.ms;
      }
      gpu_total += s.gpu_ms;
      bytes += double(s.exchanged_bytes);
      submitted += double(s.submissions);
      waits.resize(s.exchange_wait_ms.size());
      for (std::size_t d = 0; d < waits.size(); ++d) waits[d] += s.exchange_wait_ms[d];
    };
    const auto t0 = std::chrono::steady_clock::now();
    if (options.train) {
      model.run_step(net::StepKey{1, static_cast<std::uint32_t>(it), true}, 1e-4f);
      add_stats();
    } else {
      for (std::size_t first = 0; first < std::size_t(options.batch); first += mb) {
        model.infer(std::span<const float>(images).subspan(first * in, mb * in), probs);
        add_stats();
      }
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (it == 0) out.first_ms = ms;
    if (it < options.warmup) continue;
    out.wall.push_back(ms);
    for (const auto& [label, t] : per_step) out.layer_ms[label].push_back(t);
    out.gpu.push_back(gpu_total);
    out.exchanged.push_back(bytes);
    out.submissions.push_back(submitted);
    out.idle.resize(waits.size());
    for (std::size_t d = 0; d < waits.size(); ++d) out.idle[d].push_back(waits[d]);
  }
  return out;
}

}  // namespace

BenchResult run_bench(const DeviceList& devices, const BenchOptions& options) {
  if (options.batch < 1 || options.iters < 1 || options.warmup < 0)
    throw std::invalid_argument("bench needs --batch >= 1, --iters >= 1, --warmup >= 0");
  const Arch arch = resolve_arch(options.arch, options.classes, 3, options.input_size);
  ModelOptions model_options{options.batch, 0, options.train, SgdConfig{}};
  model_options.precision = options.precision;
  model_options.gemm_path = options.gemm_path;
  auto model = open_model(devices, arch, model_options);
  model->initialize(1);
  std::vector<float> images, probs(std::size_t(model->micro_batch()) * arch.classes);
  std::vector<std::int32_t> labels;
  const HostBatch batch = synthetic_batch(*model, options.batch, images, labels);
  if (options.train) model->stage(batch);
  model->set_profiling(true);

  const double startup_seconds = app::seconds_since_process_start();
  const Samples samples = measure(*model, options, images, probs);

  BenchResult r;
  r.startup_seconds = startup_seconds;
  r.first_step_seconds = samples.first_ms / 1000;
  r.device = model->device_name();
  r.arch = arch.name;
  r.mode = options.train ? "train" : "infer";
  r.precision = precision_name(options.precision);
  r.gemm_path = gemm_path_name(resolve_gemm_path(*devices.front(), options.gemm_path));
  r.batch = options.batch;
  r.micro_batch = model->micro_batch();
  r.iters = options.iters;
  const auto flops = flops_of(arch, options.batch);
  for (const auto& label : samples.order) {
    LayerTiming t{label, median(samples.layer_ms.at(label)), 0};
    if (flops.count(label) && t.ms > 0) t.gflops = flops.at(label) / (t.ms * 1e6);
    r.layers.push_back(t);
  }
  r.ms_per_step = median(samples.wall);
  r.ms_min = *std::min_element(samples.wall.begin(), samples.wall.end());
  r.ms_max = *std::max_element(samples.wall.begin(), samples.wall.end());
  r.gpu_ms_per_step = median(samples.gpu);
  r.images_per_second = options.batch / (r.ms_per_step / 1000);
  r.images_per_second_min = options.batch / (r.ms_max / 1000);
  r.images_per_second_max = options.batch / (r.ms_min / 1000);
  r.host_overhead_ms = r.gpu_ms_per_step > 0 ? std::max(0.0, r.ms_per_step - r.gpu_ms_per_step) : 0;
  r.submissions_per_step = static_cast<std::size_t>(median(samples.submissions));
  const double mib = 1 << 20;
  for (const auto& m : model->memory()) {
    r.memory.push_back({m.device, m.parameter_bytes / mib, m.activation_bytes / mib, m.exchange_bytes / mib,
                        m.scratch_bytes / mib});
    r.peak_device_mib = std::max(r.peak_device_mib, m.peak_bytes / mib);
  }
  r.exchanged_mib_per_step = median(samples.exchanged) / mib;
  for (const auto& d : samples.idle) r.exchange_wait_ms.push_back(median(d));
  return r;
}

}  // namespace alexnet
