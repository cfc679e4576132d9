// `alexnet_vk bench --data D`: the training step with the real loader in the loop, as `train`
// runs it (uint8 batches, normalised on the device, the next batch loaded and staged while the
// device works on the current one). It reports three rates, so a user sees which one limits:
// the loader alone, the device alone (its timestamps), and the two together, with the time per
// step the device sat idle waiting for data.
#pragma once

#include <string>

#include "apps/alexnet_vk/bench/bench.h"
#include "apps/alexnet_vk/bench/loader_bench.h"

namespace alexnet {

struct DataBenchResult {
  std::string data, kind, device, arch;
  int batch = 0, iters = 0, threads = 0, crop = 0;
  double loader_images_per_second = 0;  // the loader alone, over `iters` batches, no device
  double device_images_per_second = 0;  // batch / the median GPU time of a step (timestamps)
  double step_images_per_second = 0;    // batch / the median wall time of a step, loader in the loop
  double ms_per_step = 0, gpu_ms_per_step = 0;
  // Per step, median: how long loading and staging the next batch took while the device ran the
  // current step, and how much of it the device spent idle, waiting (that minus the GPU time).
  double load_ms_per_step = 0, device_wait_ms_per_step = 0;
  double upload_mib_per_step = 0;  // the images as uint8 bytes (a quarter of float32)
};

// Throws what run_loader_bench and open_model throw, with one-line messages.
DataBenchResult run_data_bench(const DeviceList& devices, const BenchOptions& bench, const LoaderBenchOptions& loader);
int print_data_bench(const DataBenchResult& result, bool json);

}  // namespace alexnet
