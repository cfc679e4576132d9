#version 450
// ReLU backward, elementwise, from the forward OUTPUT: dx = y > 0 ? dy : 0.
//   binding 0: y (count)   binding 1: dy (count)   binding 2: dx (count)
//   push: count
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  uint i = linear_index();
  if (i < count) dx[i] = y[i] > 0.0 ? dy[i] : 0.0;
}
