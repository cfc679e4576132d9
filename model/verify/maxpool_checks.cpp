// Max pooling forward (values and argmax) and backward against model/reference/maxpool.h.
// Inputs are distinct values (a shuffled ramp), so no window has a tie, except in the dedicated
// tie checks, where the reference's rule (first maximum in row-major window order) decides.
#include <algorithm>
#include <numeric>
#include <random>
#include <sstream>

#include "model/ops/maxpool.h"
#include "model/reference/maxpool.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

// Integers stored as floats (exact below 2^24): any difference fails.
constexpr Tolerance kExactIndex{0.5, 0.0};

struct PoolCase {
  const char* label;
  ref::PoolShape shape;
  bool ties;  // inputs drawn from {0, 1, 2}: nearly every window has tied maxima
  std::uint32_t seed;
};

std::string describe(const PoolCase& c) {
  std::ostringstream s;
  s << c.label << " N" << c.shape.n << " C" << c.shape.c << " " << c.shape.h << "x" << c.shape.w << " k" << c.shape.k
    << " s" << c.shape.stride;
  return s.str();
}

std::vector<float> pool_input(const PoolCase& c) {
  const std::size_t count = std::size_t(c.shape.n) * c.shape.c * c.shape.h * c.shape.w;
  std::mt19937 rng(c.seed);
  std::vector<float> x(count);
  if (c.ties) {
    std::uniform_int_distribution<int> level(0, 2);
    for (auto& v : x) v = static_cast<float>(level(rng));
    return x;
  }
  // A shuffled ramp in [-1, 1): all distinct (the step 2/count is far above float spacing).
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t i = 0; i < count; ++i)
    x[i] = static_cast<float>((2.0 * static_cast<double>(order[i]) - static_cast<double>(count)) / count);
  return x;
}

// The argmax the forward must report (index within the plane), by the reference's tie rule.
std::vector<float> host_argmax(const ref::PoolShape& s, std::span<const float> x) {
  const int oh = s.out_h(), ow = s.out_w();
  std::vector<float> out;
  out.reserve(std::size_t(s.n) * s.c * oh * ow);
  for (int plane = 0; plane < s.n * s.c; ++plane) {
    const float* p = x.data() + std::size_t(plane) * s.h * s.w;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        int best = oy * s.stride * s.w + ox * s.stride;
        for (int ky = 0; ky < s.k; ++ky)
          for (int kx = 0; kx < s.k; ++kx) {
            const int at = (oy * s.stride + ky) * s.w + ox * s.stride + kx;
            if (p[at] > p[best]) best = at;
          }
        out.push_back(static_cast<float>(best));
      }
  }
  return out;
}

CheckResult check_forward(vkrt::Context& context, const PoolCase& c) {
  const std::string shape = describe(c);
  const auto x = pool_input(c);
  GpuScratch gpu(context);
  MaxPoolOp op(context, c.shape);
  const auto& x_gpu = gpu.input(x);
  const auto& y_gpu = gpu.output(op.output_count());
  const auto& argmax_gpu = gpu.output(op.output_count());
  gpu.run([&](vkrt::Stream& s) { op.forward(s, x_gpu, y_gpu, argmax_gpu); });
  return worse(compare("maxpool.forward", shape, gpu.read(y_gpu), ref::maxpool_forward<float>(c.shape, x),
                       kElementwiseTolerance),
               compare("maxpool.forward", shape + " (argmax)", gpu.read(argmax_gpu), host_argmax(c.shape, x),
                       kExactIndex));
}

CheckResult check_backward(vkrt::Context& context, const PoolCase& c) {
  const std::string shape = describe(c);
  const auto x = pool_input(c);
  GpuScratch gpu(context);
  MaxPoolOp op(context, c.shape);
  const auto dy = random_uniform(op.output_count(), c.seed + 1);
  const auto& dy_gpu = gpu.input(dy);
  const auto& dx_gpu = gpu.output(op.input_count());
  if (c.ties) {
    // Forward then backward on the GPU, as training runs them: the argmax the forward picks among
    // tied maxima must send each window's gradient where the reference sends it.
    const auto& x_gpu = gpu.input(x);
    const auto& y_gpu = gpu.output(op.output_count());
    const auto& argmax_gpu = gpu.output(op.output_count());
    gpu.run([&](vkrt::Stream& s) {
      op.forward(s, x_gpu, y_gpu, argmax_gpu);
      s.barrier();
      op.backward(s, argmax_gpu, dy_gpu, dx_gpu);
    });
  } else {
    // Backward alone, from the argmax the reference's rule gives (float-valued, as forward writes).
    const auto argmax = host_argmax(c.shape, x);
    const auto& argmax_gpu = gpu.input(argmax);
    gpu.run([&](vkrt::Stream& s) { op.backward(s, argmax_gpu, dy_gpu, dx_gpu); });
  }
  return compare("maxpool.backward", shape, gpu.read(dx_gpu), ref::maxpool_backward<float>(c.shape, x, dy),
                 kElementwiseTolerance);
}

}  // namespace

void add_maxpool_checks(std::vector<Check>& checks) {
  const PoolCase cases[] = {
      // The paper's overlapping 3x3 stride-2 pools at batch 2: after conv1, conv2 and conv5.
      {"pool1", {2, 96, 55, 55, 3, 2}, false, 401},
      {"pool2", {2, 256, 27, 27, 3, 2}, false, 411},
      {"pool5", {2, 256, 13, 13, 3, 2}, false, 421},
      // Plain 2x2 stride 2 on an even and an odd plane (the odd one drops its last row and column);
      // batch 1 and 3, and a 3x3/2 pool whose last column no window reads.
      {"even", {3, 5, 8, 6, 2, 2}, false, 431},
      {"odd", {1, 3, 7, 9, 2, 2}, false, 441},
      {"odd overlap", {3, 2, 9, 8, 3, 2}, false, 451},
      // A single window row, a single window column: the gather must not look for windows past
      // the last one (they would alias the next row or plane).
      {"one row", {3, 4, 4, 5, 3, 2}, false, 455},
      {"one column", {3, 8, 7, 4, 3, 2}, false, 457},
      // alexnet-small's first pool; a single plane whose outputs (9) and inputs (49) both end in a
      // partial quad; windows narrower than their stride (inputs no window covers get 0).
      {"small pool1", {2, 32, 28, 28, 3, 2}, false, 481},
      {"tiny", {1, 1, 7, 7, 3, 2}, false, 483},
      {"gaps", {2, 3, 7, 6, 1, 2}, false, 485},
      // Ties everywhere: the first maximum in row-major window order must win.
      {"ties", {2, 4, 9, 11, 3, 2}, true, 461},
      {"ties", {1, 3, 6, 7, 2, 2}, true, 471},
  };
  for (const PoolCase& c : cases)
    checks.push_back(
        {"maxpool.forward", describe(c), [=](vkrt::Context& context) { return check_forward(context, c); }});
  for (const PoolCase& c : cases)
    checks.push_back(
        {"maxpool.backward", describe(c), [=](vkrt::Context& context) { return check_backward(context, c); }});
}

}  // namespace alexnet::verify
