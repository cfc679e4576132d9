#version 450
// tanh backward, elementwise, from the forward OUTPUT: dx = dy * (1 - y^2).
//   binding 0: y (count)   binding 1: dy (count)   binding 2: dx (count)
//   push: count
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  uint i = linear_index();
  if (i < count) {
    float v = y[i];
    dx[i] = dy[i] * (1.0 - v * v);
  }
}
