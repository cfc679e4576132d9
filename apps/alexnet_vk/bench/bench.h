// The benchmark behind `alexnet_vk bench`: the real network on synthetic data through the model
// interface, timed per step with the host clock and, where the layout can (one device), per layer
// and pass with GPU timestamp queries.
#pragma once

#include <string>
#include <vector>

#include "model/model.h"

namespace alexnet {

struct BenchOptions {
  std::string arch = "alexnet";
  int batch = 32;
  int input_size = 0;  // 0 = the architecture's default
  int classes = 1000;
  int iters = 5;
  int warmup = 1;
  bool train = true;  // false: inference only
  Precision precision = Precision::Fp32;  // --precision (fp16: at loss scale 1, every step updates)
  GemmPath gemm_path = GemmPath::Auto;    // --gemm-path: the layers' product path
};

struct LayerTiming {
  std::string name;  // "conv1 forward", ...
  double ms = 0;     // median over iterations
  double gflops = 0; // achieved, where the layer has a known FLOP count (else 0)
};

// Device memory the model holds on one device (see DeviceMemory), in MiB.
struct DeviceMemoryUse {
  std::string device;
  double parameter_mib = 0;   // value, gradient, momentum
  double activation_mib = 0;  // outputs, gradients, layer state
  double exchange_mib = 0;    // two devices: host-visible send and receive buffers
  double scratch_mib = 0;     // kernel workspaces (im2col, K-slice partial sums)
};

struct BenchResult {
  std::string device, arch, mode;
  std::string precision = "fp32";
  // The layers' product path: the one asked for, or for Auto the first device's default (a fully
  // connected layer whose input is not a multiple of 4 takes tiled instead of texel).
  std::string gemm_path;
  int batch = 0, micro_batch = 0, iters = 0;
  std::vector<LayerTiming> layers;
  double ms_per_step = 0;  // median wall time
  double ms_min = 0, ms_max = 0;
  double gpu_ms_per_step = 0;  // median sum of the GPU timestamps of one step
  double images_per_second = 0, images_per_second_min = 0, images_per_second_max = 0;
  double host_overhead_ms = 0;  // wall minus GPU (where the layers are timed)
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

// Throws std::invalid_argument for bad options, and what open_model() throws.
BenchResult run_bench(const DeviceList& devices, const BenchOptions& options);

}  // namespace alexnet
