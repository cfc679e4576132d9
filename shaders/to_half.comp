#version 450
// The network's input in fp16 (--precision fp16): y = x rounded to nearest fp16, elementwise. The
// step's images are normalised in fp32 (the staging, normalize_input and the host loader stay as
// they are), and this one pass per micro-batch stores them as the first layer's fp16 input.
//   binding 0: x (count), storage buffer   binding 1: y (count), fp16 storage buffer
// x is a storage buffer, not a texel view as in the other element ops: llvmpipe (Mesa 22.3.6)
// rounds a texel fetch stored straight to fp16 toward zero (the to_half checks caught it: 31152
// for 31167.6), while a value loaded from a storage buffer rounds to nearest even as
// ref::float_to_half does.
//   push: count
//   spec: 3 TEXELS (texels of four elements per invocation), 4 TAIL (the partial-texel pipeline)
// Texel layout, work assignment and the TAIL pipeline: "Texel-wise element ops" in common.glsl.
#define ALEXNET_FP16
#define ACT_FP16
#include "common.glsl"

layout(constant_id = 3) const uint TEXELS = 4;
layout(constant_id = 4) const bool TAIL = false;
layout(std430, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, binding = 0) readonly buffer X1 { float x1[]; };  // same memory
layout(push_constant) uniform Push { uint count; };

// The partial last texel reads only the elements that exist.
vec4 compute(uint t) {
  if (!TAIL) return x4[t];
  vec4 v = vec4(0.0);
  for (uint i = 4u * t; i < count; ++i) v[i & 3u] = x1[i];
  return v;
}

#define OUT_BINDING 1
#include "texel_map.glsl"
