#version 450
// ReLU forward, elementwise: y = max(x, 0).
//   binding 0: x (count)   binding 1: y (count)
//   push: count
#include "common.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  uint i = linear_index();
  if (i < count) y[i] = max(x[i], 0.0);
}
