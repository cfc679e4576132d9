// The pieces of --precision fp16 around the element ops: the input's conversion to fp16
// (to_half: bit for bit ref::round_to_half), the unscaling SGD update (bit for bit the fp32 update
// of the unscaled gradient, since 1/S is a power of two), and the overflow flag of dynamic loss
// scaling (set by a NaN or an infinity, never by a finite value or by what lies past the tensor).
#include <cmath>
#include <limits>

#include "model/ops/loss_scale.h"
#include "model/ops/sgd.h"
#include "model/ops/to_half.h"
#include "model/reference/half.h"
#include "model/reference/sgd.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"
#include "runtime/context.h"
#include "runtime/transfer.h"

namespace alexnet::verify {
namespace {

constexpr Tolerance kExact{0.0, 0.0};

CheckResult skipped_without_fp16(vkrt::Context& context, const std::string& op, const std::string& shape) {
  CheckResult r;
  if (!context.storage_16bit())
    r = skipped_check(op, shape, "no 16-bit storage on this device (storageBuffer16BitAccess)");
  return r;
}

// Values that exercise the rounding: ties between two fp16 values (to even), subnormals, the
// largest finite fp16, and ordinary ones.
std::vector<float> to_half_inputs(std::size_t count) {
  auto v = random_uniform(count, 71, -70000.0f, 70000.0f);
  const float special[] = {1.0f + 1.0f / 2048,  1.0f + 3.0f / 2048, -2.0f - 1.0f / 1024, 3e-6f, -6e-8f, 1e-9f,
                           65504.0f,            65519.0f,           0.0f,                -0.0f, 1.0f / 3, 0.1f};
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i < std::size(special)) v[i] = special[i];
    else if (std::fabs(v[i]) > 65504.0f) v[i] *= 1e-3f;  // finite in fp16: the check compares finite outputs
  }
  return v;
}

CheckResult check_to_half(vkrt::Context& context, std::size_t count, std::uint64_t chunk, const std::string& shape) {
  if (auto r = skipped_without_fp16(context, "to_half", shape); r.skipped) return r;
  const auto x = to_half_inputs(count);
  GpuScratch gpu(context);
  ToHalfOp op(context, chunk);
  const auto& x_gpu = gpu.input(x);
  const auto& y_gpu = gpu.output_half(count);
  gpu.run([&](vkrt::Stream& s) { op.record(s, x_gpu, y_gpu, count); });
  return compare("to_half", shape, gpu.read_half(y_gpu), ref::round_to_half(x), kExact);
}

CheckResult check_sgd_unscale(vkrt::Context& context, std::size_t count, const std::string& shape) {
  const float scale = 32768.0f, lr = 0.01f, momentum = 0.9f, decay = 5e-4f;
  auto w = random_uniform(count, 81), v = random_uniform(count, 82, -0.01f, 0.01f);
  const auto g = random_uniform(count, 83, -0.1f, 0.1f);
  std::vector<float> scaled(g);
  for (float& x : scaled) x *= scale;  // what the scaled backward leaves
  GpuScratch gpu(context);
  SgdOp sgd(context, 0, 4, true);
  LossScaleBuffer loss_scale(context);
  loss_scale.set(scale);
  const auto& w_gpu = gpu.input(w);
  const auto& v_gpu = gpu.input(v);
  const auto& g_gpu = gpu.input(scaled);
  const std::vector<float> lr_value{lr};
  const auto& lr_gpu = gpu.input(lr_value);
  const vkrt::BufferRange scale_range = loss_scale.scale_range();
  gpu.run([&](vkrt::Stream& s) { sgd.update(s, w_gpu, v_gpu, g_gpu, lr_gpu, count, momentum, decay, &scale_range); });
  ref::sgd_momentum_update<float>(w, v, g, lr, momentum, decay);
  return worse(compare("sgd.update_unscale", shape + " (w)", gpu.read(w_gpu), w, kExact),
               compare("sgd.update_unscale", shape + " (v)", gpu.read(v_gpu), v, kExact));
}

// The flag for a tensor of `count` finite floats with `bad` (if any) at `at`; the float after the
// tensor (in the same buffer, inside the last texel's view) is a NaN that must not count.
CheckResult check_overflow_flag(vkrt::Context& context, std::size_t count, float bad, std::size_t at,
                                const std::string& shape) {
  auto g = random_uniform(count + 1, 91, -1e30f, 1e30f);
  g[count] = std::numeric_limits<float>::quiet_NaN();
  const bool expect = !std::isfinite(bad);
  if (at < count) g[at] = bad;
  GpuScratch gpu(context);
  NonFiniteCheckOp op(context);
  LossScaleBuffer buffer(context);
  const auto& g_gpu = gpu.input(g);
  gpu.run([&](vkrt::Stream& s) { op.record(s, g_gpu, count, buffer.flag_range()); });
  CheckResult r;
  r.op = "nonfinite_flag";
  r.shape = shape;
  r.elements = count;
  r.tolerance = kExact;
  r.pass = buffer.flag() == expect;
  if (!r.pass) r.error = std::string("the flag is ") + (buffer.flag() ? "set" : "clear") + ", expected " +
                         (expect ? "set" : "clear");
  return r;
}

}  // namespace

void add_loss_scale_checks(std::vector<Check>& checks) {
  const std::pair<std::size_t, std::uint64_t> conversions[] = {{3, 0}, {4099, 0}, {2 * 28 * 28, 0}, {10007, 1000}};
  for (const auto& [count, chunk] : conversions) {
    const std::string shape = "count " + std::to_string(count) + (chunk ? " chunk " + std::to_string(chunk) : "");
    checks.push_back({"to_half", shape, [=](vkrt::Context& c) { return check_to_half(c, count, chunk, shape); }});
  }
  for (std::size_t count : {std::size_t{3}, std::size_t{1001}, std::size_t{4096}}) {
    const std::string shape = "count " + std::to_string(count) + " S 32768";
    checks.push_back({"sgd.update_unscale", shape, [=](vkrt::Context& c) { return check_sgd_unscale(c, count, shape); }});
  }
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  struct FlagCase {
    const char* label;
    std::size_t count;
    float bad;
    std::size_t at;
  };
  const FlagCase flags[] = {{"finite", 1001, 0.0f, 1001}, {"inf first", 1001, inf, 0},
                            {"-inf last", 1001, -inf, 1000}, {"nan middle", 4099, nan, 2050},
                            {"finite, NaN just past the end", 6, 0.0f, 6}, {"inf in a partial texel", 7, inf, 5}};
  for (const FlagCase& f : flags) {
    const std::string shape = std::string(f.label) + " count " + std::to_string(f.count);
    checks.push_back({"nonfinite_flag", shape,
                      [=](vkrt::Context& c) { return check_overflow_flag(c, f.count, f.bad, f.at, shape); }});
  }
}

}  // namespace alexnet::verify
