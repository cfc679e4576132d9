// The input conversion from bytes against model/reference/normalize_input.h: the same float
// operations, so bit for bit equal.
#include <random>
#include <sstream>

#include "model/ops/normalize_input.h"
#include "model/reference/normalize_input.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"
#include "runtime/context.h"
#include "runtime/transfer.h"

namespace alexnet::verify {
namespace {

constexpr Tolerance kBitExact{0.0, 0.0};

struct NormalizeCase {
  const char* label;
  std::uint32_t images, channels, plane;
  std::uint64_t first, count;  // the converted bytes of the batch
};

std::string describe(const NormalizeCase& c) {
  std::ostringstream shape;
  shape << c.label << " N" << c.images << " C" << c.channels << " " << c.plane << " px, bytes " << c.first << "+"
        << c.count;
  return shape.str();
}

CheckResult check_normalize(vkrt::Context& context, const NormalizeCase& c) {
  const std::size_t total = std::size_t(c.images) * c.channels * c.plane;
  std::vector<std::uint8_t> bytes((total + 3) / 4 * 4);
  std::mt19937 rng(c.images * 31 + c.plane);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  const std::vector<float> mean = {123.68f, 116.78f, 103.94f, 7.5f}, scale = {1 / 58.4f, 1 / 57.1f, 1 / 57.4f, 0.5f};
  const std::span<const float> m(mean.data(), c.channels), s(scale.data(), c.channels);
  const auto whole = ref::normalize_input(std::span<const std::uint8_t>(bytes.data(), total), c.plane, m, s);
  const std::vector<float> expected(whole.begin() + c.first, whole.begin() + c.first + c.count);

  GpuScratch gpu(context);
  const vkrt::Buffer on_device = vkrt::upload<std::uint8_t>(context, bytes);
  InputTransformBuffer transform(context);
  transform.set(m, s);
  const NormalizeInputOp op(context);
  const auto& x = gpu.output(c.count);
  gpu.run([&](vkrt::Stream& stream) { op.record(stream, on_device, c.first, c.count, transform, x, c.plane, c.channels); });
  return compare("normalize_input", describe(c), gpu.read(x), expected, kBitExact);
}

}  // namespace

void add_normalize_input_checks(std::vector<Check>& checks) {
  const NormalizeCase cases[] = {
      {"fashion-mnist", 3, 1, 28 * 28, 0, 3 * 28 * 28},
      {"alexnet", 2, 3, 224 * 224, 0, 2 * 3 * 224 * 224},
      // A micro-batch that starts mid-batch at an unaligned byte and ends in a partial word.
      {"odd", 4, 3, 5 * 7, 2 * 3 * 35 + 1, 105 - 2},
      {"odd", 5, 3, 227 * 227, 3 * 154587, 2 * 154587},
  };
  for (const auto& c : cases)
    checks.push_back({"normalize_input", describe(c), [=](vkrt::Context& context) { return check_normalize(context, c); }});
}

}  // namespace alexnet::verify
