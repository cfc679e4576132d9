#include "apps/alexnet_vk/bench/gemm_bench.h"

#include <algorithm>
#include <stdexcept>

#include "model/ops/fc.h"
#include "model/verify/check.h"
#include "runtime/context.h"
#include "runtime/stream.h"
#include "runtime/transfer.h"

namespace alexnet {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

GemmBenchResult run_gemm_bench(vkrt::Context& context, int n, int iters, int warmup) {
  if (n < 4 || n > 16384) throw std::invalid_argument("--gemm N must be in 4..16384, got " + std::to_string(n));
  if (iters < 1 || warmup < 0) throw std::invalid_argument("--iters must be at least 1 and --warmup at least 0");
  GemmBenchResult result;
  result.device = context.info().name;
  result.n = n;
  result.iters = iters;
  const std::size_t count = std::size_t(n) * n;
  // The fully connected forward pass is a plain GEMM: y (n x n) = x (n x n) . w^T + b.
  const auto x = vkrt::upload<float>(context, verify::random_uniform(count, 1));
  const auto w = vkrt::upload<float>(context, verify::random_uniform(count, 2));
  const auto b = vkrt::upload<float>(context, verify::random_uniform(std::size_t(n), 3));
  const auto y = context.allocator().allocate(count * sizeof(float), vkrt::Intent::DeviceLocal);
  const double flops = 2.0 * double(n) * n * n;
  for (GemmPath path : {GemmPath::Tiled, GemmPath::Texel}) {
    const FcOp op(context, {n, n, n}, path);
    vkrt::Stream stream(context);
    std::vector<double> times;
    for (int i = 0; i < warmup + iters; ++i) {
      stream.begin();
      const int t0 = stream.timestamp();
      op.forward(stream, x, w, b, y);
      const int t1 = stream.timestamp();
      stream.end();
      stream.submit_and_wait();
      if (i >= warmup) times.push_back(stream.elapsed_ms(t0, t1));
    }
    GemmBenchPath p{gemm_path_name(path), median(times), 0};
    p.gflops = p.ms > 0 ? flops / (p.ms * 1e6) : 0;
    if (p.gflops > result.best_gflops) {
      result.best_gflops = p.gflops;
      result.best_path = p.path;
    }
    result.paths.push_back(p);
  }
  return result;
}

}  // namespace alexnet
