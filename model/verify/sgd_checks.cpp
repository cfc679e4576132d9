// SGD with momentum and weight decay against model/reference/sgd.h. The shader does the
// reference's float operations in the reference's order with contraction forbidden, so w and v
// must agree to within one ulp (in practice: bit for bit).
#include <sstream>

#include "model/ops/sgd.h"
#include "model/reference/sgd.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"
#include "runtime/transfer.h"

namespace alexnet::verify {
namespace {

// At most one ulp (2^-23 relative) apart; the atol only lets exact zeros compare.
constexpr Tolerance kUlp{1e-30, 1.2e-7};

struct SgdCase {
  const char* label;
  std::size_t count;
  std::vector<float> lrs;  // one update per entry, replaying ONE recording with the lr buffer rewritten
  float momentum, weight_decay;
  std::uint32_t seed;
  std::uint64_t chunk = 0;   // SgdOp's elements-per-dispatch cap (0: the device limits)
  std::uint32_t texels = 4;  // SgdOp's texels per invocation
};

std::string describe(const SgdCase& c) {
  std::ostringstream s;
  s << c.label << " " << c.count << " lr";
  for (std::size_t i = 0; i < c.lrs.size(); ++i) s << (i ? "," : "") << c.lrs[i];
  s << " m" << c.momentum << " wd" << c.weight_decay;
  if (c.chunk) s << " chunk " << c.chunk;
  if (c.texels != 4) s << " texels/invocation " << c.texels;
  return s.str();
}

// Uniform in [lo, hi] from splitmix64: the harness's mt19937 draws cost seconds for fc6's 3 x 38M
// values on a slow machine, and any well-mixed deterministic input serves here.
std::vector<float> fast_uniform(std::size_t count, std::uint64_t seed, float lo, float hi) {
  std::vector<float> out(count);
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull;
  for (auto& v : out) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    v = lo + (hi - lo) * static_cast<float>(z >> 40) * 0x1p-24f;
  }
  return out;
}

CheckResult check_sgd(vkrt::Context& context, const SgdCase& c) {
  const std::string shape = describe(c);
  // Magnitudes like AlexNet's: N(0, 0.01)-ish weights, small velocities, gradients.
  auto w = fast_uniform(c.count, c.seed, -0.03f, 0.03f);
  auto v = fast_uniform(c.count, c.seed + 1, -1e-3f, 1e-3f);
  const auto g = fast_uniform(c.count, c.seed + 2, -0.1f, 0.1f);

  GpuScratch gpu(context);
  SgdOp sgd(context, c.chunk, c.texels);
  const auto& w_gpu = gpu.input(w);
  const auto& v_gpu = gpu.input(v);
  const auto& g_gpu = gpu.input(g);
  const std::vector<float> lr0{c.lrs.front()};
  const auto& lr_gpu = gpu.input(lr0);

  // Record once and replay, rewriting only the lr buffer between submissions: what the trainer
  // does when the schedule lowers the rate.
  vkrt::Stream stream(context);
  stream.begin();
  sgd.update(stream, w_gpu, v_gpu, g_gpu, lr_gpu, c.count, c.momentum, c.weight_decay);
  stream.end();
  for (float lr : c.lrs) {
    const float value[] = {lr};
    vkrt::write<float>(context, lr_gpu, value);
    stream.submit_and_wait();
    ref::sgd_momentum_update<float>(w, v, g, lr, c.momentum, c.weight_decay);
  }
  return worse(compare("sgd.update", shape + " (w)", gpu.read(w_gpu), w, kUlp),
               compare("sgd.update", shape + " (v)", gpu.read(v_gpu), v, kUlp));
}

}  // namespace

void add_sgd_checks(std::vector<Check>& checks) {
  const SgdCase cases[] = {
      // fc6's weights: 9216 x 4096, at one texel per invocation past 65535 workgroups, and on
      // llvmpipe past the 128 MiB storage-buffer range (several dispatches). The paper's momentum
      // and weight decay.
      {"fc6", std::size_t{9216} * 4096, {0.01f}, 0.9f, 5e-4f, 601, 0, 1},
      // Small and odd; the rate lowered between two replays of the same recording.
      {"odd", 1001, {0.01f, 0.001f}, 0.9f, 5e-4f, 611},
      {"one", 1, {0.1f, 0.05f, 0.025f}, 0.5f, 0.01f, 621},
      // A partial texel of two and of three elements alone; full texels only; full texels over
      // more than one workgroup followed by a partial one.
      {"two", 2, {0.01f}, 0.9f, 5e-4f, 623},
      {"three", 3, {0.01f, 0.001f}, 0.9f, 5e-4f, 625},
      {"texels", 4096, {0.01f}, 0.9f, 5e-4f, 627},
      {"odd texels", 4099, {0.01f}, 0.9f, 5e-4f, 629},
      // Cut into dispatches of about 1000 elements, as a tensor past maxStorageBufferRange is.
      {"chunked", 10007, {0.01f, 0.001f}, 0.9f, 5e-4f, 631, 1000},
  };
  for (const SgdCase& c : cases)
    checks.push_back({"sgd.update", describe(c), [=](vkrt::Context& context) { return check_sgd(context, c); }});
}

}  // namespace alexnet::verify
