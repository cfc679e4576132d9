// `alexnet_vk bench --gemm N`: the device's best plain matrix-product rates, the yardsticks the
// convolution layers are measured against. Times an N x N x N product (the fully connected forward
// pass, as a layer runs it) on every GEMM path whatever the device would pick: the shared-memory
// tiles and the texel-buffer register tiles at fp32 and at fp16 storage, and the cooperative-matrix
// core at fp16. A row the device cannot run is listed as skipped with the reason, never timed.
#pragma once

#include <string>
#include <vector>

namespace vkrt {
class Context;
}

namespace alexnet {

struct GemmBenchPath {
  std::string path;       // "tiled", "texel" or "coopmat"
  std::string precision;  // "fp32" or "fp16" (x and y stored in 16 bits, sums fp32)
  double ms = 0;          // median GPU time of one product
  double gflops = 0;
  std::string skipped;    // why this row was not run (empty when it ran)
};

struct GemmBenchResult {
  std::string device;
  int n = 0, iters = 0;
  std::vector<GemmBenchPath> paths;
  double best_gflops = 0;  // fp32
  std::string best_path;
  double best_fp16_gflops = 0;  // 0 and "" when no fp16 row ran
  std::string best_fp16_path;
};

GemmBenchResult run_gemm_bench(vkrt::Context& context, int n, int iters, int warmup);

}  // namespace alexnet
