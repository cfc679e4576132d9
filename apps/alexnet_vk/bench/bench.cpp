#include "apps/alexnet_vk/bench/bench.h"
#include "apps/alexnet_vk/process_clock.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>

#include "model/graph/network.h"
#include "runtime/context.h"
#include "runtime/stream.h"

namespace alexnet {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

BenchResult run_bench(vkrt::Context& context, const BenchOptions& options) {
  if (options.batch < 1 || options.iters < 1 || options.warmup < 0)
    throw std::invalid_argument("bench needs --batch >= 1, --iters >= 1, --warmup >= 0");
  const int size = options.input_size ? options.input_size : default_input_size(options.arch);
  const Arch arch = make_arch(options.arch, options.classes, 3, size);
  const int micro = Network::choose_micro_batch(context, arch, options.batch);
  Network network(context, arch, micro);
  network.initialize(1);
  const double parameter_bytes = double(network.parameter_count()) * 3 * sizeof(float);
  const double network_bytes = double(context.allocator().stats().bytes_in_use);

  auto& a = context.allocator();
  const std::size_t in = network.input_count();
  auto images = a.allocate(options.batch * in * 4, vkrt::Intent::Upload);
  auto labels = a.allocate(options.batch * 4, vkrt::Intent::Upload);
  auto loss = a.allocate(options.batch * 4, vkrt::Intent::DeviceLocal);
  auto probs = a.allocate(std::size_t(options.batch) * arch.classes * 4, vkrt::Intent::DeviceLocal);
  auto lr = a.allocate(4, vkrt::Intent::Upload);
  {
    std::mt19937 rng(7);
    std::normal_distribution<float> pixel(0.0f, 50.0f);
    for (auto& v : images.host_span<float>().first(options.batch * in)) v = pixel(rng);
    auto l = labels.host_span<std::int32_t>();
    for (int i = 0; i < options.batch; ++i) l[i] = static_cast<std::int32_t>(rng() % arch.classes);
    lr.host_span<float>()[0] = 1e-4f;
  }

  std::vector<Network::TimedSpan> spans;
  network.set_profile(&spans);
  vkrt::Stream stream(context);
  stream.begin();
  if (options.train) {
    network.record_train_step(stream, images, labels, options.batch, net::StepKey{1, 0, true}, lr, SgdConfig{}, loss,
                              probs);
  } else {
    network.record_inference(stream, images, options.batch, probs);
  }
  stream.end();

  // FLOPs per layer and pass: forward, the data gradient and the filter gradient each 2 * MACs.
  std::map<std::string, double> flops;
  for (const auto& layer : network.layers()) {
    const double f = 2.0 * layer->forward_macs_per_sample() * options.batch;
    if (f > 0) {
      flops[layer->name() + " forward"] = f;
      flops[layer->name() + " backward-data"] = f;
      flops[layer->name() + " backward-filter"] = f;
    }
  }

  std::map<std::string, std::vector<double>> layer_ms;
  std::vector<std::string> order;
  std::vector<double> wall, gpu;
  const double startup_seconds = app::seconds_since_process_start();
  double first_step_ms = 0;
  for (int it = 0; it < options.warmup + options.iters; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto submits_before = stream.submit_count();
    stream.submit_and_wait();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (it == 0) first_step_ms = ms;
    if (it < options.warmup) continue;
    wall.push_back(ms);
    std::map<std::string, double> per_step;
    double gpu_total = 0;
    for (const auto& s : spans) {
      const double t = stream.elapsed_ms(s.begin, s.end);
      if (!per_step.count(s.label) && layer_ms.find(s.label) == layer_ms.end()) order.push_back(s.label);
      per_step[s.label] += t;  // micro-batches add up
      gpu_total += t;
    }
    for (const auto& [label, t] : per_step) layer_ms[label].push_back(t);
    gpu.push_back(gpu_total);
    (void)submits_before;
  }

  BenchResult r;
  r.startup_seconds = startup_seconds;
  r.first_step_seconds = first_step_ms / 1000;
  r.device = context.info().name;
  r.arch = arch.name;
  r.mode = options.train ? "train" : "infer";
  r.batch = options.batch;
  r.micro_batch = micro;
  r.iters = options.iters;
  for (const auto& label : order) {
    LayerTiming t{label, median(layer_ms[label]), 0};
    if (flops.count(label) && t.ms > 0) t.gflops = flops[label] / (t.ms * 1e6);
    r.layers.push_back(t);
  }
  r.ms_per_step = median(wall);
  r.ms_min = *std::min_element(wall.begin(), wall.end());
  r.ms_max = *std::max_element(wall.begin(), wall.end());
  r.gpu_ms_per_step = median(gpu);
  r.images_per_second = options.batch / (r.ms_per_step / 1000);
  r.images_per_second_min = options.batch / (r.ms_max / 1000);
  r.images_per_second_max = options.batch / (r.ms_min / 1000);
  r.host_overhead_ms = std::max(0.0, r.ms_per_step - r.gpu_ms_per_step);
  r.peak_device_mib = static_cast<double>(context.allocator().stats().peak_in_use) / (1 << 20);
  r.submissions_per_step = 1;
  const double activations = double(network.activation_bytes());
  r.memory.push_back({r.device, parameter_bytes / (1 << 20), activations / (1 << 20), 0,
                      (network_bytes - parameter_bytes - activations) / (1 << 20)});
  return r;
}

}  // namespace alexnet
