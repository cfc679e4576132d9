// main() for the texel-wise element ops that write ONE output of `count` floats (relu, tanh,
// dropout, softmax backward): out[4t .. 4t+3] = compute(t) for every texel t of four elements.
// Layout, work assignment and the TAIL pipeline: "Texel-wise element ops" in common.glsl.
//
// The including shader declares, before including this file:
//   #define OUT_BINDING n                          the output's storage-buffer binding
//   layout(constant_id = ...) const uint TEXELS    texels per invocation (set by the host)
//   layout(constant_id = ...) const bool TAIL      false: the whole texels; true: the partial one
//   a push block with `uint count`                 the number of elements
//   vec4 compute(uint texel)                       the output texel (elements past count dropped)
#ifndef ALEXNET_TEXEL_MAP_GLSL
#define ALEXNET_TEXEL_MAP_GLSL

#include "precision.glsl"

// The output's storage type: ACT4_T / ACT_T (precision.glsl), fp32 unless the variant says ACT_FP16;
// compute() is fp32 in both, rounded to nearest when stored.
layout(std430, binding = OUT_BINDING) writeonly buffer Out4 { ACT4_T out4[]; };
layout(std430, binding = OUT_BINDING) writeonly buffer Out1 { ACT_T out1[]; };  // same memory

void main() {
  const uint full = count >> 2u;  // texels whose four elements all exist
  if (TAIL) {
    if (linear_index() == 0u) {
      const vec4 v = compute(full);
      for (uint i = full * 4u; i < count; ++i) out1[i] = ACT_T(v[i & 3u]);
    }
    return;
  }
  const uint first = first_texel(TEXELS);
  for (uint k = 0u; k < TEXELS; ++k) {
    const uint t = first + k * gl_WorkGroupSize.x;
    if (t < full) out4[t] = ACT4_T(compute(t));
  }
}

#endif
