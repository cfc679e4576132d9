#version 450
// ReLU backward, elementwise, from the forward OUTPUT: dx = y > 0 ? dy : 0. dx may be dy.
//   binding 0: y (count), RGBA32F texel view   binding 1: dy (count), RGBA32F texel view
//   binding 2: dx (count), storage buffer
//   push: count
//   spec: 3 TEXELS (texels of four elements per invocation), 4 TAIL (the partial-texel pipeline)
// Texel layout, work assignment and the TAIL pipeline: "Texel-wise element ops" in common.glsl.
// fp16 variant (ACT_FP16): the inputs are bound as RGBA16F views and the output is fp16 storage;
// the arithmetic is fp32 (precision.glsl).
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"

layout(constant_id = 3) const uint TEXELS = 4;
layout(constant_id = 4) const bool TAIL = false;
layout(binding = 0) uniform samplerBuffer y;
layout(binding = 1) uniform samplerBuffer dy;
layout(push_constant) uniform Push { uint count; };

// mix() with a boolean selector picks dy or 0 exactly (no arithmetic on dy).
vec4 compute(uint t) {
  return mix(vec4(0.0), texelFetch(dy, int(t)), greaterThan(texelFetch(y, int(t)), vec4(0.0)));
}

#define OUT_BINDING 2
#include "texel_map.glsl"
