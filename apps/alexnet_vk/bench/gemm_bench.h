// `alexnet_vk bench --gemm N`: the device's best plain matrix-product rate, the yardstick the
// convolution layers are measured against. Times an N x N x N product on every GEMM path
// (the shared-memory tiles and the texel-buffer register tiles), whatever the device would pick.
#pragma once

#include <string>
#include <vector>

namespace vkrt {
class Context;
}

namespace alexnet {

struct GemmBenchPath {
  std::string path;  // "tiled" or "texel"
  double ms = 0;     // median GPU time of one product
  double gflops = 0;
};

struct GemmBenchResult {
  std::string device;
  int n = 0, iters = 0;
  std::vector<GemmBenchPath> paths;
  double best_gflops = 0;
  std::string best_path;
};

GemmBenchResult run_gemm_bench(vkrt::Context& context, int n, int iters, int warmup);

}  // namespace alexnet
