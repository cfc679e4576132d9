// Adaptive average pooling forward and backward against model/reference/adaptive_avgpool.h: the
// identity at torchvision's 6x6, conv5's 13x13 (windows overlapping by one), sizes that do not
// divide and an input smaller than the output (repeated elements).
#include <sstream>

#include "model/ops/adaptive_avgpool.h"
#include "model/reference/adaptive_avgpool.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

struct AdaptiveCase {
  const char* label;
  ref::AdaptivePoolShape shape;
  std::uint32_t seed;
};

std::string describe(const AdaptiveCase& c) {
  std::ostringstream s;
  s << c.label << " N" << c.shape.n << " C" << c.shape.c << " " << c.shape.h << "x" << c.shape.w << " -> "
    << c.shape.out_h << "x" << c.shape.out_w;
  return s.str();
}

CheckResult check_forward(vkrt::Context& context, const AdaptiveCase& c) {
  const ref::AdaptivePoolShape& s = c.shape;
  const auto x = random_uniform(std::size_t(s.n) * s.c * s.h * s.w, c.seed);
  GpuScratch gpu(context);
  AdaptiveAvgPoolOp op(context, s);
  const auto& x_gpu = gpu.input(x);
  const auto& y_gpu = gpu.output(op.output_count());
  gpu.run([&](vkrt::Stream& stream) { op.forward(stream, x_gpu, y_gpu); });
  return compare("adaptive_avgpool.forward", describe(c), gpu.read(y_gpu),
                 ref::adaptive_avgpool_forward<float>(s, x), kElementwiseTolerance);
}

CheckResult check_backward(vkrt::Context& context, const AdaptiveCase& c) {
  const ref::AdaptivePoolShape& s = c.shape;
  const auto dy = random_uniform(std::size_t(s.n) * s.c * s.out_h * s.out_w, c.seed + 1);
  GpuScratch gpu(context);
  AdaptiveAvgPoolOp op(context, s);
  const auto& dy_gpu = gpu.input(dy);
  const auto& dx_gpu = gpu.output(op.input_count());
  gpu.run([&](vkrt::Stream& stream) { op.backward(stream, dy_gpu, dx_gpu); });
  return compare("adaptive_avgpool.backward", describe(c), gpu.read(dx_gpu),
                 ref::adaptive_avgpool_backward<float>(s, dy), kElementwiseTolerance);
}

}  // namespace

void add_adaptive_avgpool_checks(std::vector<Check>& checks) {
  const AdaptiveCase cases[] = {
      // torchvision's AlexNet at 224: pool5 gives 6x6 already, the pool is the identity.
      {"avgpool 224", {2, 256, 6, 6, 6, 6}, 901},
      // conv5's 13x13 when no max-pool precedes it: windows of 3 overlapping by one.
      {"13 to 6", {2, 256, 13, 13, 6, 6}, 911},
      // Sizes that do not divide, batch 1 and 3, a non-square plane.
      {"odd", {3, 5, 9, 7, 4, 3}, 921},
      {"large windows", {1, 3, 31, 29, 6, 6}, 931},
      // An input smaller than the output: elements repeat over several windows.
      {"upsample", {2, 4, 2, 3, 6, 6}, 941},
      {"to 1x1", {3, 8, 5, 5, 1, 1}, 951},
  };
  for (const AdaptiveCase& c : cases)
    checks.push_back({"adaptive_avgpool.forward", describe(c),
                      [=](vkrt::Context& context) { return check_forward(context, c); }});
  for (const AdaptiveCase& c : cases)
    checks.push_back({"adaptive_avgpool.backward", describe(c),
                      [=](vkrt::Context& context) { return check_backward(context, c); }});
}

}  // namespace alexnet::verify
