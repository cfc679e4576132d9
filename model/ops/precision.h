// The storage precision of activations (and their gradients) on the GPU: --precision fp32|fp16.
//
// fp16 stores every activation and activation gradient in 16 bits and nothing else: weights,
// biases, their gradients and momentum stay fp32 (the master copy SGD updates), and every shader
// widens what it loads to fp32 and accumulates there (GEMM, LRN, softmax and reduction sums), so
// the only difference from fp32 is the rounding of each stored activation (2^-11 relative; see
// model/reference/half.h). The GEMM passes read the fp32 weights directly rather than an fp16
// copy: one fewer tensor to keep in step, at the cost of twice the weight bandwidth.
//
// Each shader that touches an activation has an fp16 variant (shaders/precision.glsl), compiled
// beside the fp32 one at build time; an op picks it by name when it builds its pipelines. The
// texel GEMM path (CPU drivers) is the exception: it reads fp16 tensors through 16-bit texel
// views into its fp32 scratch and products, and rounds its fp16 results with ToHalfOp
// (model/ops/gemm/texel_gemm.h: TexelResult).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vkrt {
class Context;
}

namespace alexnet {

enum class Precision { Fp32, Fp16 };

const char* precision_name(Precision precision);  // "fp32", "fp16"
std::optional<Precision> parse_precision(std::string_view text);
// What --precision takes, name and value, for the recipe table and every command line with it.
std::vector<std::pair<const char*, Precision>> precision_choices();

// Bytes of one stored activation.
inline std::uint32_t activation_bytes(Precision precision) { return precision == Precision::Fp16 ? 2 : 4; }

// Throws vkrt::Error with one line naming the device and what it lacks when it cannot run
// `precision` (fp16 needs storageBuffer16BitAccess).
void require_precision(const vkrt::Context& context, Precision precision);

// The shader to build for `precision`: `shader` itself for fp32, else its variant
// "<shader>_<variant>" (variant "fp16" unless the shader names others, as gemm.comp does).
std::string shader_variant(std::string_view shader, Precision precision, std::string_view variant = "fp16");

// The GEMM shader to build: `shader` + `pass_suffix` ("" or "_wgrad", gemm.comp's weight-gradient
// operands) as the variant "fp16" or, on the cooperative-matrix core, "coopmat"; fp32 takes the
// plain shader (a pass suffix only exists in fp16 variants).
std::string gemm_variant(std::string_view shader, Precision precision, bool coopmat, std::string_view pass_suffix = "");

// Throws std::invalid_argument unless `precision` is fp16 (the cooperative-matrix variants store
// fp16), and vkrt::Error naming the reason when the device cannot run them (vkrt::CoopMatSupport).
void require_coopmat(const vkrt::Context& context, Precision precision, const char* op);

}  // namespace alexnet
