#include "model/ops/precision.h"

#include <stdexcept>

#include "runtime/context.h"
#include "runtime/error.h"

namespace alexnet {

const char* precision_name(Precision precision) { return precision == Precision::Fp16 ? "fp16" : "fp32"; }

std::optional<Precision> parse_precision(std::string_view text) {
  if (text == "fp32") return Precision::Fp32;
  if (text == "fp16") return Precision::Fp16;
  return std::nullopt;
}

std::vector<std::pair<const char*, Precision>> precision_choices() {
  return {{"fp32", Precision::Fp32}, {"fp16", Precision::Fp16}};
}

void require_precision(const vkrt::Context& context, Precision precision) {
  if (precision == Precision::Fp16 && !context.storage_16bit())
    throw vkrt::Error("device " + context.info().name +
                      " cannot store fp16 (no storageBuffer16BitAccess): run with --precision fp32");
}

std::string shader_variant(std::string_view shader, Precision precision, std::string_view variant) {
  std::string name(shader);
  if (precision == Precision::Fp16) {
    name += '_';
    name += variant;
  }
  return name;
}

std::string gemm_variant(std::string_view shader, Precision precision, bool coopmat, std::string_view pass_suffix) {
  if (!coopmat && precision == Precision::Fp32) return std::string(shader);
  std::string variant = coopmat ? "coopmat" : "fp16";
  variant += pass_suffix;
  return shader_variant(shader, Precision::Fp16, variant);
}

void require_coopmat(const vkrt::Context& context, Precision precision, const char* op) {
  if (precision != Precision::Fp16)
    throw std::invalid_argument(std::string(op) + ": the cooperative-matrix path stores fp16 only");
  if (!context.coopmat().usable)
    throw vkrt::Error("device " + context.info().name + " cannot run the cooperative-matrix GEMM: " +
                      context.coopmat().reason);
}

}  // namespace alexnet
