// The fp16 variants of the element ops (--precision fp16): activation, dropout, LRN, max-pool,
// adaptive average pooling and softmax cross-entropy, forward and backward, against the reference
// on the fp16-rounded inputs with the output-rounding bound of fp16_bound.h (fp16_output_bound:
// the rule is stated there).
// Each check's shape ends in "[fp16]"; a device without 16-bit storage reports them skipped.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "model/ops/activation.h"
#include "model/ops/adaptive_avgpool.h"
#include "model/ops/dropout.h"
#include "model/ops/loss_scale.h"
#include "model/ops/lrn.h"
#include "model/ops/maxpool.h"
#include "model/ops/softmax_xent.h"
#include "model/reference/activation.h"
#include "model/reference/adaptive_avgpool.h"
#include "model/reference/dropout.h"
#include "model/reference/half.h"
#include "model/reference/lrn.h"
#include "model/reference/maxpool.h"
#include "model/reference/softmax_xent.h"
#include "model/verify/check.h"
#include "model/verify/fp16_bound.h"
#include "model/verify/gpu_scratch.h"
#include "runtime/context.h"

namespace alexnet::verify {
namespace {

using ref::round_to_half;

CheckResult within_fp16(const std::string& op, const std::string& shape, std::span<const float> gpu,
                        std::span<const float> expected) {
  return compare_within(op, shape, gpu, expected, kElementwiseTolerance, fp16_output_bound(expected));
}

// Wraps a check: skipped with the reason on a device that cannot store fp16.
Check fp16_check(std::string op, std::string shape, std::function<CheckResult(vkrt::Context&)> run) {
  shape += " [fp16]";
  return {op, shape, [op, shape, run](vkrt::Context& context) {
            if (!context.storage_16bit())
              return skipped_check(op, shape, "no 16-bit storage on this device (storageBuffer16BitAccess)");
            return run(context);
          }};
}

CheckResult check_activation(vkrt::Context& context, Activation kind, bool backward, std::size_t count,
                             bool in_place, std::uint64_t chunk, const std::string& shape) {
  const std::string op = std::string(activation_name(kind)) + (backward ? ".backward" : ".forward");
  const auto x = round_to_half(random_away_from_zero(count, 11, 1e-3f));
  const auto dy = round_to_half(random_uniform(count, 12));
  GpuScratch gpu(context);
  ActivationOp act(context, kind, chunk, Precision::Fp16);
  const auto n = static_cast<std::uint32_t>(count);
  if (!backward) {
    const auto& x_gpu = gpu.input_half(x);
    const auto& y_gpu = in_place ? x_gpu : gpu.output_half(count);
    gpu.run([&](vkrt::Stream& s) { act.forward(s, x_gpu, y_gpu, n); });
    return within_fp16(op, shape, gpu.read_half(y_gpu), ref::activation_forward<float>(kind, x));
  }
  const auto y = round_to_half(ref::activation_forward<float>(kind, x));  // as the forward stored it
  const auto& y_gpu = gpu.input_half(y);
  const auto& dy_gpu = gpu.input_half(dy);
  const auto& dx_gpu = in_place ? dy_gpu : gpu.output_half(count);
  gpu.run([&](vkrt::Stream& s) { act.backward(s, y_gpu, dy_gpu, dx_gpu, n); });
  return within_fp16(op, shape, gpu.read_half(dx_gpu), ref::activation_backward<float>(kind, y, dy));
}

CheckResult check_dropout(vkrt::Context& context, bool backward, std::size_t count, std::uint64_t first,
                          std::uint64_t chunk, const std::string& shape) {
  const float p = 0.3f;  // a scale 1/(1-p) that is not a power of two: the products round
  const std::uint32_t seed = 777, step = 5;
  const auto whole = round_to_half(random_away_from_zero(first + count, backward ? 31 : 32, 1e-3f));
  const auto ref_whole = backward ? ref::dropout_backward<float>(whole, p, seed, step)
                                  : ref::dropout_forward<float>(whole, p, seed, step);
  const std::vector<float> in(whole.begin() + first, whole.end()), expected(ref_whole.begin() + first, ref_whole.end());
  GpuScratch gpu(context);
  DropoutOp dropout(context, chunk, 4, Precision::Fp16);
  const DropoutKeyBuffer key(context, seed, step);
  const auto& in_gpu = gpu.input_half(in);
  const auto& out_gpu = gpu.output_half(count);
  gpu.run([&](vkrt::Stream& s) {
    if (backward) dropout.backward(s, in_gpu, out_gpu, count, p, key.key(), first);
    else dropout.forward(s, in_gpu, out_gpu, count, p, key.key(), first);
  });
  return within_fp16(backward ? "dropout.backward" : "dropout.forward", shape, gpu.read_half(out_gpu), expected);
}

// s = k + alpha * window sum of x^2, as the forward saves it (in double, like the reference).
std::vector<float> lrn_scale(const ref::Nchw& s, const ref::LrnParams& p, std::span<const float> x) {
  const std::size_t plane = std::size_t(s.h) * s.w;
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int c = static_cast<int>(i / plane % s.c);
    double sum = 0;
    for (int j = std::max(0, c - p.size / 2); j <= std::min(s.c - 1, c + p.size / 2); ++j) {
      const double a = x[i + (std::ptrdiff_t(j) - c) * std::ptrdiff_t(plane)];
      sum += a * a;
    }
    out[i] = static_cast<float>(p.k + p.alpha * sum);
  }
  return out;
}

// LRN forward, then backward from what the forward stored (as training runs them). Backward's
// reference recomputes y exactly while the GPU reads the stored y' = fp16(y); dx's window term
// 2 alpha beta x_i sum_j dy_j y_j / s_j then moves by at most
//   B_i = 2 alpha beta |x_i| sum_j |dy_j| u (|y_j| + 2^-14) / s_j,
// which the bound adds before dx's own rounding.
CheckResult check_lrn(vkrt::Context& context, const ref::Nchw& shape, bool backward, const std::string& label) {
  const ref::LrnParams params{5, 2.0, 1e-4, 0.75};
  const std::size_t count = shape.count();
  const auto x = round_to_half(random_uniform(count, 41, -30.0f, 30.0f));
  const auto dy = round_to_half(random_uniform(count, 42));
  const auto y_ref = ref::lrn_forward<float>(shape, params, x);
  GpuScratch gpu(context);
  LrnOp lrn(context, shape, params, {}, Precision::Fp16);
  const auto& x_gpu = gpu.input_half(x);
  const auto& y_gpu = gpu.output_half(count);
  const auto& scale_gpu = gpu.output(count);
  const auto& dy_gpu = gpu.input_half(dy);
  const auto& dx_gpu = gpu.output_half(count);
  gpu.run([&](vkrt::Stream& s) {
    lrn.forward(s, x_gpu, y_gpu, scale_gpu);
    if (!backward) return;
    s.barrier();
    lrn.backward(s, x_gpu, y_gpu, scale_gpu, dy_gpu, dx_gpu);
  });
  if (!backward) return within_fp16("lrn.forward", label, gpu.read_half(y_gpu), y_ref);
  const auto dx_ref = ref::lrn_backward<float>(shape, params, x, dy);
  const auto scale = lrn_scale(shape, params, x);
  const std::size_t plane = std::size_t(shape.h) * shape.w;
  const double u = ref::kHalfUnitRoundoff;
  std::vector<double> bound(count);
  for (std::size_t i = 0; i < count; ++i) {
    const int c = static_cast<int>(i / plane % shape.c);
    double sum = 0;
    for (int j = std::max(0, c - params.size / 2); j <= std::min(shape.c - 1, c + params.size / 2); ++j) {
      const std::size_t at = i + (std::ptrdiff_t(j) - c) * std::ptrdiff_t(plane);
      sum += std::fabs(dy[at]) * u * (std::fabs(y_ref[at]) + kHalfPad) / scale[at];
    }
    const double b = 2 * params.alpha * params.beta * std::fabs(x[i]) * sum;
    bound[i] = b + u * (std::fabs(dx_ref[i]) + b + kHalfPad);
  }
  return compare_within("lrn.backward", label, gpu.read_half(dx_gpu), dx_ref, kElementwiseTolerance, bound);
}

// Max-pool forward, then backward from the forward's argmax. Rounding to fp16 makes ties; the
// reference on the same rounded values breaks them by the same rule (the first maximum).
CheckResult check_maxpool(vkrt::Context& context, const ref::PoolShape& shape, bool backward,
                          const std::string& label) {
  MaxPoolOp pool(context, shape, Precision::Fp16);
  const auto x = round_to_half(random_uniform(pool.input_count(), 51));
  const auto dy = round_to_half(random_uniform(pool.output_count(), 52));
  GpuScratch gpu(context);
  const auto& x_gpu = gpu.input_half(x);
  const auto& y_gpu = gpu.output_half(pool.output_count());
  const auto& argmax_gpu = gpu.output(pool.output_count());
  const auto& dy_gpu = gpu.input_half(dy);
  const auto& dx_gpu = gpu.output_half(pool.input_count());
  gpu.run([&](vkrt::Stream& s) {
    pool.forward(s, x_gpu, y_gpu, argmax_gpu);
    if (!backward) return;
    s.barrier();
    pool.backward(s, argmax_gpu, dy_gpu, dx_gpu);
  });
  if (!backward) return within_fp16("maxpool.forward", label, gpu.read_half(y_gpu), ref::maxpool_forward<float>(shape, x));
  return within_fp16("maxpool.backward", label, gpu.read_half(dx_gpu), ref::maxpool_backward<float>(shape, x, dy));
}

// Adaptive average pooling, forward or backward, on fp16-rounded inputs: the fp32 sums of the
// reference, then the output's one rounding.
CheckResult check_adaptive_avgpool(vkrt::Context& context, const ref::AdaptivePoolShape& shape, bool backward,
                                   const std::string& label) {
  AdaptiveAvgPoolOp pool(context, shape, Precision::Fp16);
  GpuScratch gpu(context);
  const auto in = round_to_half(random_uniform(backward ? pool.output_count() : pool.input_count(), backward ? 72 : 71));
  const auto& in_gpu = gpu.input_half(in);
  const auto& out_gpu = gpu.output_half(backward ? pool.input_count() : pool.output_count());
  gpu.run([&](vkrt::Stream& s) {
    if (backward) pool.backward(s, in_gpu, out_gpu);
    else pool.forward(s, in_gpu, out_gpu);
  });
  return within_fp16(backward ? "adaptive_avgpool.backward" : "adaptive_avgpool.forward", label,
                     gpu.read_half(out_gpu),
                     backward ? ref::adaptive_avgpool_backward<float>(shape, in)
                              : ref::adaptive_avgpool_forward<float>(shape, in));
}

// Softmax cross-entropy: forward reads fp16 logits and writes fp32 probabilities and losses (the
// fp32 tolerance alone: nothing is rounded after the inputs); backward writes fp16 dlogits times
// the loss scale S = 1024 (exact: a power of two), so the bound is dlogits' rounding.
CheckResult check_softmax(vkrt::Context& context, int n, int classes, bool backward, const std::string& label) {
  const auto logits = round_to_half(random_uniform(std::size_t(n) * classes, 61, -8.0f, 8.0f));
  std::vector<std::int32_t> labels(n);
  for (int i = 0; i < n; ++i) labels[i] = (i * 7 + 3) % classes;
  const auto probs = ref::softmax_forward<float>(n, classes, logits);
  GpuScratch gpu(context);
  SoftmaxXentOp loss(context, classes, Precision::Fp16);
  const auto& labels_gpu = gpu.input(labels);
  if (!backward) {
    const auto& logits_gpu = gpu.input_half(logits);
    const auto& probs_gpu = gpu.output(probs.size());
    const auto& loss_gpu = gpu.output(n);
    gpu.run([&](vkrt::Stream& s) { loss.forward(s, logits_gpu, labels_gpu, probs_gpu, loss_gpu, n); });
    return worse(compare("softmax_xent.forward", label, gpu.read(probs_gpu), probs, kElementwiseTolerance),
                 compare("softmax_xent.forward", label + " (loss)", gpu.read(loss_gpu),
                         ref::softmax_xent_loss<float>(n, classes, logits, labels), kElementwiseTolerance));
  }
  const float scale = 1024.0f;
  LossScaleBuffer loss_scale(context);
  loss_scale.set(scale);
  const auto& probs_gpu = gpu.input(probs);
  const auto& dlogits_gpu = gpu.output_half(probs.size());
  const vkrt::BufferRange scale_range = loss_scale.scale_range();
  gpu.run([&](vkrt::Stream& s) {
    loss.backward(s, probs_gpu, labels_gpu, dlogits_gpu, n, 1.0f / static_cast<float>(n), &scale_range);
  });
  auto expected = ref::softmax_xent_backward<float>(n, classes, logits, labels);
  for (float& v : expected) v *= scale;
  return within_fp16("softmax_xent.backward", label, gpu.read_half(dlogits_gpu), expected);
}

std::string nchw(const char* label, const ref::Nchw& s) {
  std::ostringstream o;
  o << label << " N" << s.n << " C" << s.c << " " << s.h << "x" << s.w;
  return o.str();
}

}  // namespace

void add_fp16_element_checks(std::vector<Check>& checks) {
  struct ElementCase {
    std::size_t count;
    bool in_place;
    std::uint64_t chunk;
  };
  // A partial texel alone, one after full texels, conv1's output of alexnet-small at batch 2, in
  // place as the network runs it, and cut into dispatches of about 1000 elements.
  const ElementCase elements[] = {{3, false, 0}, {67, false, 0}, {2 * 32 * 28 * 28, false, 0}, {1030, true, 0},
                                  {10007, false, 1000}};
  for (Activation kind : {Activation::Relu, Activation::Tanh})
    for (bool backward : {false, true})
      for (const ElementCase& c : elements) {
        std::string shape = "count " + std::to_string(c.count) + (c.in_place ? " in place" : "") +
                            (c.chunk ? " chunk " + std::to_string(c.chunk) : "");
        checks.push_back(fp16_check(std::string(activation_name(kind)) + (backward ? ".backward" : ".forward"), shape,
                                    [=](vkrt::Context& ctx) {
                                      return check_activation(ctx, kind, backward, c.count, c.in_place, c.chunk,
                                                              shape + " [fp16]");
                                    }));
      }
  struct DropoutCase {
    std::size_t count;
    std::uint64_t first, chunk;
  };
  const DropoutCase drops[] = {{2 * 4096, 0, 0}, {67, 3, 0}, {10007, 8, 1000}};
  for (bool backward : {false, true})
    for (const DropoutCase& c : drops) {
      const std::string shape = "count " + std::to_string(c.count) + " first " + std::to_string(c.first) +
                                (c.chunk ? " chunk " + std::to_string(c.chunk) : "");
      checks.push_back(fp16_check(backward ? "dropout.backward" : "dropout.forward", shape, [=](vkrt::Context& ctx) {
        return check_dropout(ctx, backward, c.count, c.first, c.chunk, shape + " [fp16]");
      }));
    }
  const std::pair<const char*, ref::Nchw> lrns[] = {{"small lrn1", {2, 32, 28, 28}}, {"lrn2", {2, 256, 13, 13}},
                                                     {"odd", {3, 7, 5, 3}}};
  for (bool backward : {false, true})
    for (const auto& [label, s] : lrns) {
      const std::string shape = nchw(label, s);
      checks.push_back(fp16_check(backward ? "lrn.backward" : "lrn.forward", shape, [=](vkrt::Context& ctx) {
        return check_lrn(ctx, s, backward, shape + " [fp16]");
      }));
    }
  const std::pair<const char*, ref::PoolShape> pools[] = {
      {"pool1", {2, 96, 55, 55, 3, 2}}, {"small pool1", {2, 32, 28, 28, 3, 2}}, {"odd", {3, 2, 9, 8, 3, 2}},
      {"plain", {1, 3, 7, 9, 2, 2}}};
  for (bool backward : {false, true})
    for (const auto& [label, s] : pools) {
      const std::string shape = nchw(label, {s.n, s.c, s.h, s.w}) + " k" + std::to_string(s.k) + " s" +
                                std::to_string(s.stride);
      checks.push_back(fp16_check(backward ? "maxpool.backward" : "maxpool.forward", shape, [=](vkrt::Context& ctx) {
        return check_maxpool(ctx, s, backward, shape + " [fp16]");
      }));
    }
  // torchvision's identity at 6x6, conv5's 13x13 to 6x6 (overlapping windows), odd sizes, upsampling.
  const std::pair<const char*, ref::AdaptivePoolShape> avgpools[] = {{"avgpool 224", {2, 256, 6, 6, 6, 6}},
                                                                     {"13 to 6", {2, 256, 13, 13, 6, 6}},
                                                                     {"odd", {3, 5, 9, 7, 4, 3}},
                                                                     {"upsample", {2, 4, 2, 3, 6, 6}}};
  for (bool backward : {false, true})
    for (const auto& [label, s] : avgpools) {
      const std::string shape = nchw(label, {s.n, s.c, s.h, s.w}) + " -> " + std::to_string(s.out_h) + "x" +
                                std::to_string(s.out_w);
      checks.push_back(fp16_check(backward ? "adaptive_avgpool.backward" : "adaptive_avgpool.forward", shape,
                                  [=](vkrt::Context& ctx) {
                                    return check_adaptive_avgpool(ctx, s, backward, shape + " [fp16]");
                                  }));
    }
  const std::pair<int, int> softmaxes[] = {{2, 1000}, {8, 10}, {3, 7}};
  for (bool backward : {false, true})
    for (const auto& [n, classes] : softmaxes) {
      const std::string shape = "N" + std::to_string(n) + " classes " + std::to_string(classes);
      checks.push_back(fp16_check(backward ? "softmax_xent.backward" : "softmax_xent.forward", shape,
                                  [=](vkrt::Context& ctx) { return check_softmax(ctx, n, classes, backward, shape + " [fp16]"); }));
    }
}

}  // namespace alexnet::verify
