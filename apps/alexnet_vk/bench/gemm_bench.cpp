#include "apps/alexnet_vk/bench/gemm_bench.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "model/ops/fc.h"
#include "model/reference/half.h"
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

// Why the device cannot run `path` at `precision`, or "" when it can.
std::string unsupported(const vkrt::Context& context, GemmPath path, Precision precision) {
  if (precision == Precision::Fp16 && !context.storage_16bit()) return "no 16-bit storage on this device";
  if (path == GemmPath::CoopMat && !context.coopmat().usable) return context.coopmat().reason;
  return "";
}

// An activation tensor of random values in the storage `precision` asks for.
vkrt::Buffer activations(vkrt::Context& context, std::size_t count, std::uint32_t seed, Precision precision) {
  const std::vector<float> values = verify::random_uniform(count, seed);
  if (precision == Precision::Fp32) return vkrt::upload<float>(context, values);
  std::vector<std::uint16_t> bits(count);
  std::transform(values.begin(), values.end(), bits.begin(), ref::float_to_half);
  return vkrt::upload<std::uint16_t>(context, bits);
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
  // The fully connected forward pass is a plain GEMM: y (n x n) = x (n x n) . w^T + b, with w and
  // b fp32 at every precision (model/ops/precision.h).
  const auto w = vkrt::upload<float>(context, verify::random_uniform(count, 2));
  const auto b = vkrt::upload<float>(context, verify::random_uniform(std::size_t(n), 3));
  const double flops = 2.0 * double(n) * n * n;
  const std::pair<GemmPath, Precision> rows[] = {{GemmPath::Tiled, Precision::Fp32},
                                                 {GemmPath::Texel, Precision::Fp32},
                                                 {GemmPath::Tiled, Precision::Fp16},
                                                 {GemmPath::Texel, Precision::Fp16},
                                                 {GemmPath::CoopMat, Precision::Fp16}};
  for (const auto& [path, precision] : rows) {
    GemmBenchPath p{gemm_path_name(path), precision_name(precision), 0, 0, unsupported(context, path, precision)};
    if (!p.skipped.empty()) {
      result.paths.push_back(p);
      continue;
    }
    const auto x = activations(context, count, 1, precision);
    const auto y = context.allocator().allocate(count * activation_bytes(precision), vkrt::Intent::DeviceLocal);
    const FcOp op(context, {n, n, n}, path, precision);
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
    p.ms = median(times);
    p.gflops = p.ms > 0 ? flops / (p.ms * 1e6) : 0;
    double& best = precision == Precision::Fp32 ? result.best_gflops : result.best_fp16_gflops;
    std::string& best_path = precision == Precision::Fp32 ? result.best_path : result.best_fp16_path;
    if (p.gflops > best) {
      best = p.gflops;
      best_path = p.path;
    }
    result.paths.push_back(p);
  }
  return result;
}

}  // namespace alexnet
