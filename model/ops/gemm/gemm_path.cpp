#include "model/ops/gemm/gemm_path.h"

#include "runtime/context.h"

namespace alexnet {

GemmPath resolve_gemm_path(const vkrt::Context& context, GemmPath path) {
  if (path != GemmPath::Auto) return path;
  return context.info().is_cpu() ? GemmPath::Texel : GemmPath::Tiled;
}

const char* gemm_path_name(GemmPath path) {
  switch (path) {
    case GemmPath::Auto: return "auto";
    case GemmPath::Tiled: return "tiled";
    case GemmPath::Texel: return "texel";
    case GemmPath::CoopMat: return "coopmat";
  }
  return "?";
}

std::vector<std::pair<const char*, GemmPath>> gemm_path_choices() {
  std::vector<std::pair<const char*, GemmPath>> out;
  for (GemmPath p : {GemmPath::Auto, GemmPath::Tiled, GemmPath::Texel, GemmPath::CoopMat})
    out.emplace_back(gemm_path_name(p), p);
  return out;
}

}  // namespace alexnet
