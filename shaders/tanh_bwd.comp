#version 450
// tanh backward, elementwise, from the forward OUTPUT: dx = dy * (1 - y^2). dx may be dy.
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

vec4 compute(uint t) {
  const vec4 v = texelFetch(y, int(t));
  return texelFetch(dy, int(t)) * (1.0 - v * v);
}

#define OUT_BINDING 2
#include "texel_map.glsl"
