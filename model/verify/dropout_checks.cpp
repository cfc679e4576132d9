// Dropout forward and backward against model/reference/dropout.h. The mask must be bit-identical
// (same Philox4x32-10 stream, same exact float comparison) and the scaling the same single float
// multiply, so the comparison is exact; each check also tests that the kept fraction is within
// five standard deviations of 1 - p.
#include <cmath>
#include <sstream>

#include "model/layers/dropout.h"
#include "model/reference/dropout.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

// Exact: the allowed difference is below one ulp of any normal float.
constexpr Tolerance kExact{1e-30, 1e-9};

struct DropoutCase {
  const char* label;
  std::size_t total;  // elements of the whole tensor
  std::size_t first;  // this call covers [first, first + count) of it (a micro-batch slice)
  std::size_t count;
  float p;
  std::uint32_t seed, step;
  std::uint64_t chunk = 0;  // DropoutOp's elements-per-dispatch cap (0: the device limits)
  std::uint32_t texels = 4;  // DropoutOp's texels per invocation
  bool in_place = false;     // output over the input, as the network runs it
};

std::string describe(const DropoutCase& c) {
  std::ostringstream s;
  s << c.label << " " << c.count;
  if (c.count != c.total) s << " at " << c.first << " of " << c.total;
  s << " p" << c.p << " key " << c.seed << "," << c.step;
  if (c.chunk) s << " chunk " << c.chunk;
  if (c.texels != 4) s << " texels/invocation " << c.texels;
  if (c.in_place) s << " in place";
  return s.str();
}

CheckResult check_dropout(vkrt::Context& context, const DropoutCase& c, bool backward) {
  const std::string op = backward ? "dropout.backward" : "dropout.forward";
  const std::string shape = describe(c);
  // Never zero, so a zero output always means "dropped".
  const auto whole = random_away_from_zero(c.total, c.seed ^ (backward ? 0x5a5a5a5au : 0x1234567u), 1e-3f);
  const auto ref_whole = backward ? ref::dropout_backward<float>(whole, c.p, c.seed, c.step)
                                  : ref::dropout_forward<float>(whole, c.p, c.seed, c.step);
  const std::span<const float> in = std::span<const float>(whole).subspan(c.first, c.count);
  const std::span<const float> expected = std::span<const float>(ref_whole).subspan(c.first, c.count);

  GpuScratch gpu(context);
  DropoutOp dropout(context, c.chunk, c.texels);
  const auto& in_gpu = gpu.input(in);
  const auto& out_gpu = c.in_place ? in_gpu : gpu.output(c.count);
  gpu.run([&](vkrt::Stream& s) {
    if (backward)
      dropout.backward(s, in_gpu, out_gpu, c.count, c.p, c.seed, c.step, c.first);
    else
      dropout.forward(s, in_gpu, out_gpu, c.count, c.p, c.seed, c.step, c.first);
  });
  const auto out = gpu.read(out_gpu);
  CheckResult r = compare(op, shape, out, expected, kExact);

  std::size_t kept = 0;
  for (float v : out) kept += v != 0.0f ? 1 : 0;
  const double mean = (1.0 - c.p) * static_cast<double>(c.count);
  const double sigma = std::sqrt(c.p * (1.0 - c.p) * static_cast<double>(c.count));
  if (std::fabs(static_cast<double>(kept) - mean) > 5.0 * sigma + 1e-9) {
    std::ostringstream e;
    e << "kept " << kept << " of " << c.count << ", expected " << mean << " +- 5 x " << sigma;
    r.pass = false;
    r.error = e.str();
  }
  return r;
}

}  // namespace

void add_dropout_checks(std::vector<Check>& checks) {
  const DropoutCase cases[] = {
      // fc6 / fc7 outputs at batch 2, the paper's p = 0.5, and p = 0 (must be the identity).
      {"fc6", 2 * 4096, 0, 2 * 4096, 0.5f, 20120, 1},
      {"fc7", 2 * 4096, 0, 2 * 4096, 0.0f, 20121, 2},
      // Small and odd: the last Philox block is partial.
      {"odd", 1001, 0, 1001, 0.3f, 7, 123456},
      // Fewer elements than one texel, at each offset within a Philox block.
      {"tiny", 7, 0, 3, 0.5f, 5, 6},
      {"tiny", 7, 1, 2, 0.5f, 5, 6},
      {"tiny", 7, 2, 1, 0.5f, 5, 6},
      // A micro-batch slice starting mid-block (each of the three shifts of a texel against the
      // Philox blocks): it must draw the whole tensor's mask.
      {"slice", 8195, 4099, 2049, 0.5f, 99, 3},
      {"slice", 8195, 4097, 2050, 0.5f, 99, 3},
      {"slice", 8195, 4098, 4097, 0.5f, 99, 3},
      // In place (as the network runs it), starting mid-block, ending in a partial texel.
      {"in place", 5000, 1, 4998, 0.5f, 77, 8, 0, 4, true},
      // Split into dispatches of about 1000 elements (as a tensor past maxStorageBufferRange is):
      // every chunk starts mid-block at its own element offset.
      {"chunked", 12301, 4099, 8195, 0.5f, 31337, 17, 1000},
      // Large and flat: just past 65535 workgroups of 64 invocations x 1 texel of 4 elements (the
      // y spill), ending in a partial texel.
      {"flat", 16777219, 0, 16777219, 0.5f, 0xdeadbeefu, 4000000000u, 0, 1},
  };
  for (bool backward : {false, true})
    for (const DropoutCase& c : cases) {
      if (backward && c.count > 1000000) continue;  // the same code path; once is enough for the big one
      checks.push_back({backward ? "dropout.backward" : "dropout.forward", describe(c),
                        [=](vkrt::Context& context) { return check_dropout(context, c, backward); }});
    }
}

}  // namespace alexnet::verify
