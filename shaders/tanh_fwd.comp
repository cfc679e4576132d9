#version 450
// tanh forward, elementwise: y = tanh(x). y may be x (in place).
//   binding 0: x (count), RGBA32F texel view   binding 1: y (count), storage buffer
//   push: count
//   spec: 3 TEXELS (texels of four elements per invocation), 4 TAIL (the partial-texel pipeline)
// Texel layout, work assignment and the TAIL pipeline: "Texel-wise element ops" in common.glsl.
// fp16 variant (ACT_FP16): the inputs are bound as RGBA16F views and the output is fp16 storage;
// the arithmetic is fp32 (precision.glsl).
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"

layout(constant_id = 3) const uint TEXELS = 4;
layout(constant_id = 4) const bool TAIL = false;
layout(binding = 0) uniform samplerBuffer x;
layout(push_constant) uniform Push { uint count; };

vec4 compute(uint t) { return tanh(texelFetch(x, int(t))); }

#define OUT_BINDING 1
#include "texel_map.glsl"
