// Dropout forward and backward against model/reference/dropout.h. The mask must be bit-identical
// (same Philox4x32-10 stream, same exact float comparison) and the scaling the same single float
// multiply, so the comparison is exact; each check also tests that the kept fraction is within
// five standard deviations of 1 - p. Rows cases (DropoutRows: one device's column slice of an fc
// layer's outputs) take their input and expected output at each element's global index in the
// whole tensor, so they check the slice draws the whole tensor's mask.
#include <cmath>
#include <sstream>

#include "model/ops/dropout.h"
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
  DropoutRows rows{};        // set: the call covers columns of the whole tensor's rows (from `first`)
};

// A rows case: `count` elements of a (rows, row_stride) tensor's column slice, from global index
// `first` (a sample offset), inside a whole tensor just large enough.
DropoutCase rows_case(const char* label, DropoutRows rows, std::size_t first, std::size_t count, float p,
                      std::uint32_t seed, std::uint32_t step, std::uint64_t chunk = 0, bool in_place = false) {
  const std::size_t whole_rows = (count + rows.row_length - 1) / rows.row_length;
  return {label, first + whole_rows * rows.row_stride, first, count, p, seed, step, chunk, 4, in_place, rows};
}

// The whole tensor's index of the call's element i.
std::size_t global_index(const DropoutCase& c, std::size_t i) {
  const DropoutRows& r = c.rows;
  if (r.row_length == 0) return c.first + i;
  return c.first + i / r.row_length * r.row_stride + r.row_offset + i % r.row_length;
}

std::string describe(const DropoutCase& c) {
  std::ostringstream s;
  s << c.label << " " << c.count;
  if (c.count != c.total) s << " at " << c.first << " of " << c.total;
  if (c.rows.row_length) s << " rows " << c.rows.row_length << "/" << c.rows.row_stride << "+" << c.rows.row_offset;
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
  std::vector<float> in(c.count), expected(c.count);
  for (std::size_t i = 0; i < c.count; ++i) {
    in[i] = whole[global_index(c, i)];
    expected[i] = ref_whole[global_index(c, i)];
  }

  GpuScratch gpu(context);
  DropoutOp dropout(context, c.chunk, c.texels);
  const DropoutKeyBuffer key(context, c.seed, c.step);
  const auto& in_gpu = gpu.input(in);
  const auto& out_gpu = c.in_place ? in_gpu : gpu.output(c.count);
  gpu.run([&](vkrt::Stream& s) {
    if (backward)
      dropout.backward(s, in_gpu, out_gpu, c.count, c.p, key.key(), c.first, c.rows);
    else
      dropout.forward(s, in_gpu, out_gpu, c.count, c.p, key.key(), c.first, c.rows);
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
      // Cut into dispatches of about 1000 elements (as a tensor past maxStorageBufferRange is):
      // every chunk starts mid-block at its own element offset.
      {"chunked", 12301, 4099, 8195, 0.5f, 31337, 17, 1000},
      // Large and flat: just past 65535 workgroups of 64 invocations x 1 texel of 4 elements (the
      // y spill), ending in a partial texel.
      {"flat", 16777219, 0, 16777219, 0.5f, 0xdeadbeefu, 4000000000u, 0, 1},
      // fc6 split across two devices at batch 2: each half of every 4096-wide row (the aligned
      // rows pipeline), the second also as sample 1's micro-batch (global offset 4096).
      rows_case("fc6 half", {2048, 4096, 0}, 0, 2 * 2048, 0.5f, 20120, 1),
      rows_case("fc6 half", {2048, 4096, 2048}, 0, 2 * 2048, 0.5f, 20120, 1),
      rows_case("fc6 half", {2048, 4096, 2048}, 4096, 2048, 0.5f, 20120, 1),
      // Unaligned rows (per-element draws): texels straddle rows; a partial last row and texel;
      // aligned rows at an unaligned offset; one element per row.
      rows_case("rows", {6, 10, 3}, 0, 6 * 37 + 4, 0.5f, 11, 5),
      rows_case("rows", {6, 10, 3}, 5, 6 * 20, 0.3f, 11, 5),
      rows_case("rows", {8, 16, 4}, 2, 8 * 12 + 3, 0.5f, 12, 6),
      rows_case("rows", {1, 3, 2}, 7, 61, 0.5f, 13, 7),
      // Aligned rows ending in a partial texel (the rows tail pipeline), in place.
      rows_case("rows in place", {12, 20, 8}, 40, 12 * 9 + 2, 0.5f, 14, 8, 0, true),
      // Cut into dispatches that do not start at row boundaries, aligned and not.
      rows_case("rows chunked", {2048, 4096, 2048}, 4096, 5 * 2048, 0.5f, 15, 9, 1000),
      rows_case("rows chunked", {6, 10, 3}, 3, 6 * 100 + 1, 0.5f, 16, 10, 100),
  };
  for (bool backward : {false, true})
    for (const DropoutCase& c : cases) {
      if (backward && c.count > 1000000) continue;  // the same code path; once is enough for the big one
      checks.push_back({backward ? "dropout.backward" : "dropout.forward", describe(c),
                        [=](vkrt::Context& context) { return check_dropout(context, c, backward); }});
    }
}

}  // namespace alexnet::verify
