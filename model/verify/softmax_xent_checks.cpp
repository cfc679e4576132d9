// Softmax cross-entropy against model/reference/softmax_xent.h: the forward's per-sample loss
// (softmax_xent.forward) and probabilities (softmax_xent.probs), and the backward's dlogits.
#include <random>
#include <sstream>

#include "model/ops/softmax_xent.h"
#include "model/reference/softmax_xent.h"
#include "model/verify/check.h"
#include "model/verify/gpu_scratch.h"

namespace alexnet::verify {
namespace {

struct SoftmaxCase {
  const char* label;
  int batch;        // rows of the whole batch (the loss is its mean)
  int first, rows;  // this call covers rows [first, first + rows): a micro-batch when rows < batch
  int classes;
  float spread;  // logits uniform in [-spread, spread) + offset
  float offset;
  std::uint32_t seed;
};

std::string describe(const SoftmaxCase& c) {
  std::ostringstream s;
  s << c.label << " N" << c.rows;
  if (c.rows != c.batch) s << " rows " << c.first << ".. of " << c.batch;
  s << " classes " << c.classes;
  if (c.spread > 100 || c.offset != 0) s << " logits " << c.offset << "+-" << c.spread;
  return s.str();
}

std::vector<std::int32_t> random_labels(int n, int classes, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int32_t> dist(0, classes - 1);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  for (auto& l : labels) l = dist(rng);
  return labels;
}

enum class Pass { Loss, Probs, Backward };

CheckResult check_softmax(vkrt::Context& context, const SoftmaxCase& c, Pass pass) {
  const std::string shape = describe(c);
  auto logits = random_uniform(std::size_t(c.batch) * c.classes, c.seed, -c.spread, c.spread);
  for (auto& v : logits) v += c.offset;
  const auto labels = random_labels(c.batch, c.classes, c.seed + 1);
  // The rows this call sees.
  const std::size_t begin = std::size_t(c.first) * c.classes, size = std::size_t(c.rows) * c.classes;
  const std::span<const float> my_logits = std::span<const float>(logits).subspan(begin, size);
  const std::span<const std::int32_t> my_labels = std::span<const std::int32_t>(labels).subspan(c.first, c.rows);

  GpuScratch gpu(context);
  SoftmaxXentOp op(context, c.classes);
  const auto& labels_gpu = gpu.input(my_labels);
  const auto n = static_cast<std::uint32_t>(c.rows);
  if (pass != Pass::Backward) {
    const auto& logits_gpu = gpu.input(my_logits);
    const auto& probs_gpu = gpu.output(size);
    const auto& loss_gpu = gpu.output(n);
    gpu.run([&](vkrt::Stream& s) { op.forward(s, logits_gpu, labels_gpu, probs_gpu, loss_gpu, n); });
    if (pass == Pass::Probs)
      return compare("softmax_xent.probs", shape, gpu.read(probs_gpu),
                     ref::softmax_forward<float>(c.rows, c.classes, my_logits), kElementwiseTolerance);
    // The loss sums `classes` exponentials and cancels max - logit[label] at the logits' magnitude.
    return compare("softmax_xent.forward", shape, gpu.read(loss_gpu),
                   ref::softmax_xent_loss<float>(c.rows, c.classes, my_logits, my_labels), kReductionTolerance);
  }
  // Backward reads the reference probabilities, so only the backward shader is under test, and
  // scales by the WHOLE batch: the reference gradient of the whole batch's mean loss, sliced.
  const auto probs = ref::softmax_forward<float>(c.rows, c.classes, my_logits);
  const auto& probs_gpu = gpu.input(probs);
  const auto& dlogits_gpu = gpu.output(size);
  gpu.run([&](vkrt::Stream& s) {
    op.backward(s, probs_gpu, labels_gpu, dlogits_gpu, n, 1.0f / static_cast<float>(c.batch));
  });
  const auto expected = ref::softmax_xent_backward<float>(c.batch, c.classes, logits, labels);
  return compare("softmax_xent.backward", shape, gpu.read(dlogits_gpu),
                 std::span<const float>(expected).subspan(begin, size), kElementwiseTolerance);
}

}  // namespace

void add_softmax_xent_checks(std::vector<Check>& checks) {
  const SoftmaxCase cases[] = {
      // fc8 at batch 2: 1000 classes, logits of a trained-ish net.
      {"fc8", 2, 0, 2, 1000, 8.0f, 0.0f, 501},
      // Awkward: batch 1 and 3, odd class counts below and just above the workgroup multiples,
      // a single class (loss 0, gradient 0).
      {"small", 1, 0, 1, 7, 3.0f, 0.0f, 511},
      {"odd", 3, 0, 3, 1001, 4.0f, 0.0f, 521},
      {"one class", 3, 0, 3, 1, 2.0f, 0.0f, 531},
      // Huge logits: a spread of 1e3 (exp would overflow without the max subtraction), and an
      // offset far from zero.
      {"huge", 3, 0, 3, 13, 1000.0f, 0.0f, 541},
      {"huge offset", 3, 0, 3, 257, 500.0f, 3000.0f, 551},
      // A micro-batch of rows 3 and 4 of a batch of 5: the gradient scales by 1/5, not 1/2.
      {"micro", 5, 3, 2, 10, 3.0f, 0.0f, 561},
      // Two classes (a texel of dlogits spans three rows) and three (at most two rows); twelve
      // (every row starts on a texel: forward writes vec4s); more rows than a forward workgroup.
      {"two classes", 5, 0, 5, 2, 3.0f, 0.0f, 571},
      {"three classes", 5, 0, 5, 3, 3.0f, 0.0f, 575},
      {"twelve classes", 3, 0, 3, 12, 3.0f, 0.0f, 581},
      {"rows", 13, 0, 13, 1000, 8.0f, 0.0f, 591},
  };
  for (Pass pass : {Pass::Loss, Pass::Probs, Pass::Backward})
    for (const SoftmaxCase& c : cases) {
      const char* op = pass == Pass::Loss    ? "softmax_xent.forward"
                       : pass == Pass::Probs ? "softmax_xent.probs"
                                             : "softmax_xent.backward";
      checks.push_back({op, describe(c), [=](vkrt::Context& context) { return check_softmax(context, c, pass); }});
    }
}

}  // namespace alexnet::verify
