#include "model/verify/gemm_op_checks.h"

namespace alexnet::verify {

std::string gemm_pass_name(const std::string& family, GemmPass pass) {
  switch (pass) {
    case GemmPass::Forward: return family + ".forward";
    case GemmPass::BackwardData: return family + ".backward_data";
    case GemmPass::BackwardWeight: return family + ".backward_weight";
    case GemmPass::BackwardBias: return family + ".backward_bias";
  }
  return family;
}

std::vector<GemmPath> gemm_check_paths(GemmPass pass, bool texel_ok) {
  if (pass == GemmPass::BackwardBias) return {GemmPath::Auto};
  if (!texel_ok) return {GemmPath::Tiled};
  return {GemmPath::Tiled, GemmPath::Texel};
}

std::string gemm_check_shape(const std::string& label, const std::string& shape, bool accumulate, GemmPath path) {
  // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string out = label;
  if (!out.empty()) out += ' ';
  out += shape;
  if (accumulate) out += " acc";
  if (path != GemmPath::Auto) {
    out += " [";
    out += gemm_path_name(path);
    out += ']';
  }
  return out;
}

std::vector<float> plus(std::vector<float> a, const std::vector<float>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

}  // namespace alexnet::verify
