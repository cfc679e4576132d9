#version 450
// Inverted dropout forward: y_i = keep_i ? x_i * scale : 0 (mask, push and spec constants:
// dropout.glsl). y may be x (in place).
//   binding 0: x (count), RGBA32F texel view   binding 1: y (count), storage buffer
//   binding 2: the step key (dropout.glsl)
// Texel layout, work assignment and the TAIL pipeline: "Texel-wise element ops" in common.glsl.
// fp16 variant (ACT_FP16): the inputs are bound as RGBA16F views and the output is fp16 storage;
// the arithmetic is fp32 (precision.glsl).
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "dropout.glsl"

layout(binding = 0) uniform samplerBuffer x;

vec4 compute(uint t) { return dropout_apply(texelFetch(x, int(t)), t); }

#define OUT_BINDING 1
#include "texel_map.glsl"
