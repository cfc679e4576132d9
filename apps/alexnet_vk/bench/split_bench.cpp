// `alexnet_vk bench --devices A,B`: the split network's step timed with the host clock.
#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <stdexcept>

#include "apps/alexnet_vk/bench/bench.h"
#include "apps/alexnet_vk/process_clock.h"
#include "model/split/split_network.h"

namespace alexnet {

BenchResult run_split_bench(vkrt::Context& first, vkrt::Context& second, const BenchOptions& options) {
  if (options.batch < 1 || options.iters < 1 || options.warmup < 0)
    throw std::invalid_argument("bench needs --batch >= 1, --iters >= 1, --warmup >= 0");
  const int size = options.input_size ? options.input_size : default_input_size(options.arch);
  const Arch arch = make_arch(options.arch, options.classes, 3, size);
  const int micro = std::min(Network::choose_micro_batch(first, arch, options.batch),
                             Network::choose_micro_batch(second, arch, options.batch));
  // Inference runs one micro-batch per pass: time it at the whole batch as `micro` passes.
  SplitNetwork network(first, second, arch, micro, options.batch);
  network.initialize(1);
  const auto memory = network.device_memory();

  const std::size_t in = network.input_count();
  std::vector<float> images(options.batch * in), loss(options.batch), probs(std::size_t(options.batch) * arch.classes);
  std::vector<std::int32_t> labels(options.batch);
  std::mt19937 rng(7);
  std::normal_distribution<float> pixel(0.0f, 50.0f);
  for (float& v : images) v = pixel(rng);
  for (auto& l : labels) l = static_cast<std::int32_t>(rng() % arch.classes);

  std::vector<double> wall, bytes;
  std::array<std::vector<double>, 2> idle;
  const double startup_seconds = app::seconds_since_process_start();
  double first_step_ms = 0;
  for (int it = 0; it < options.warmup + options.iters; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    double exchanged = 0;
    std::array<double, 2> idle_ms{};
    auto add_idle = [&] {
      const auto ms = network.idle_ms();
      for (int d = 0; d < 2; ++d) idle_ms[d] += ms[d];
      exchanged += double(network.exchanged_bytes());
    };
    if (options.train) {
      network.train_gradients(images, labels, net::StepKey{1, static_cast<std::uint32_t>(it), true}, loss, probs);
      add_idle();
      network.update(1e-4f, SgdConfig{});
    } else {
      for (int first_image = 0; first_image < options.batch; first_image += micro) {
        network.infer(std::span<const float>(images).subspan(first_image * in, micro * in), probs);
        add_idle();
      }
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (it == 0) first_step_ms = ms;
    if (it < options.warmup) continue;
    wall.push_back(ms);
    for (int d = 0; d < 2; ++d) idle[d].push_back(idle_ms[d]);
    bytes.push_back(exchanged);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };

  BenchResult r;
  r.startup_seconds = startup_seconds;
  r.first_step_seconds = first_step_ms / 1000;
  r.device = network.device_names();
  r.arch = arch.name;
  r.mode = options.train ? "train" : "infer";
  r.batch = options.batch;
  r.micro_batch = micro;
  r.iters = options.iters;
  r.ms_per_step = median(wall);
  r.ms_min = *std::min_element(wall.begin(), wall.end());
  r.ms_max = *std::max_element(wall.begin(), wall.end());
  r.images_per_second = options.batch / (r.ms_per_step / 1000);
  r.images_per_second_min = options.batch / (r.ms_max / 1000);
  r.images_per_second_max = options.batch / (r.ms_min / 1000);
  double peak = 0;
  for (const auto& m : memory) {
    const double mib = 1 << 20;
    r.memory.push_back({m.device, m.parameter_bytes / mib, m.activation_bytes / mib, m.exchange_bytes / mib,
                        m.scratch_bytes / mib});
    peak = std::max(peak, double(m.peak_bytes));
  }
  r.peak_device_mib = peak / (1 << 20);
  r.submissions_per_step = network.submissions_per_device() + (options.train ? 1 : 0);
  r.exchanged_mib_per_step = median(bytes) / (1 << 20);
  for (int d = 0; d < 2; ++d) r.exchange_wait_ms.push_back(median(idle[d]));
  return r;
}

}  // namespace alexnet
