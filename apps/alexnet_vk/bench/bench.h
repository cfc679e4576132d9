// The benchmark behind `alexnet_vk bench`: the real network on synthetic data, timed per layer
// and pass with GPU timestamp queries, and per step with the host clock.
#pragma once

#include <string>
#include <vector>

#include "model/graph/arch.h"

namespace vkrt {
class Context;
}

namespace alexnet {

struct BenchOptions {
  std::string arch = "alexnet";
  int batch = 32;
  int input_size = 0;  // 0 = the architecture's default
  int classes = 1000;
  int iters = 5;
  int warmup = 1;
  bool train = true;  // false: inference only
};

struct LayerTiming {
  std::string name;  // "conv1 forward", ...
  double ms = 0;     // median over iterations
  double gflops = 0; // achieved, where the layer has a known FLOP count (else 0)
};

// Device memory a network holds: its parameters (value, gradient, momentum) and everything else it
// allocated (activations, gradients, layer state and scratch, exchange staging), not counting the
// step's input and output buffers.
struct DeviceMemoryUse {
  std::string device;
  double parameter_mib = 0;   // value, gradient, momentum
  double activation_mib = 0;  // outputs, gradients, layer state (Network::activation_bytes)
  double exchange_mib = 0;    // two devices: host-visible send and receive buffers
  double scratch_mib = 0;     // the rest the network allocated: kernel workspaces (im2col, split-K)
};

struct BenchResult {
  std::string device, arch, mode;
  int batch = 0, micro_batch = 0, iters = 0;
  std::vector<LayerTiming> layers;
  double ms_per_step = 0;  // median wall time
  double ms_min = 0, ms_max = 0;
  double gpu_ms_per_step = 0;  // median sum of the GPU timestamps of one step
  double images_per_second = 0, images_per_second_min = 0, images_per_second_max = 0;
  double host_overhead_ms = 0;  // wall minus GPU
  double peak_device_mib = 0;
  std::size_t submissions_per_step = 0;  // per device
  std::vector<DeviceMemoryUse> memory;   // per device
  // Two devices: bytes copied between them per step, and per device the time it sat idle between
  // its submissions waiting for exchanged data (device timestamps).
  double exchanged_mib_per_step = 0;
  std::vector<double> exchange_wait_ms;
  // Start-up: process start to the first (warm-up) step, and that step's own wall time (drivers
  // that compile shaders at first use, such as lavapipe, do it there).
  double startup_seconds = 0, first_step_seconds = 0;
};

BenchResult run_bench(vkrt::Context& context, const BenchOptions& options);
// The network split over two devices (model/split/split_network.h): whole-step wall times (no per-layer
// timings), memory per device, and the exchange's bytes and waits.
BenchResult run_split_bench(vkrt::Context& first, vkrt::Context& second, const BenchOptions& options);

}  // namespace alexnet
