#version 450
// The network's input in fp16 (--precision fp16): y = x rounded to nearest fp16, elementwise. The
// step's images are normalised in fp32 (the staging, normalize_input and the host loader stay as
// they are), and this one pass per micro-batch stores them as the first layer's fp16 input.
//   binding 0: x (count), RGBA32F texel view   binding 1: y (count), fp16 storage buffer
//   push: count
//   spec: 3 TEXELS (texels of four elements per invocation), 4 TAIL (the partial-texel pipeline)
// Texel layout, work assignment and the TAIL pipeline: "Texel-wise element ops" in common.glsl.
#define ALEXNET_FP16
#define ACT_FP16
#include "common.glsl"

layout(constant_id = 3) const uint TEXELS = 4;
layout(constant_id = 4) const bool TAIL = false;
layout(binding = 0) uniform samplerBuffer x;
layout(push_constant) uniform Push { uint count; };

vec4 compute(uint t) { return texelFetch(x, int(t)); }

#define OUT_BINDING 1
#include "texel_map.glsl"
