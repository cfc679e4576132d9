#version 450
// Inverted dropout forward: y_i = keep_i ? x_i * scale : 0, keep_i = u_i >= p, scale = 1/(1-p).
// The mask is never stored: u_i comes from Philox4x32-10 keyed by (seed, step) at the element's
// GLOBAL flat index g = element_offset + i, exactly as ref::dropout_keep(g, p, seed, step):
//   r = philox4x32_10({g >> 2, 0, 0, 0}, {seed, step})[g & 3],  u = (r >> 8) * 2^-24.
// A slice of a larger tensor (a micro-batch) passes its first element's index as element_offset
// and draws the same mask as the whole tensor would. One invocation serves one Philox block, i.e.
// the (up to) four elements whose global indices share g >> 2.
//   binding 0: x (count)   binding 1: y (count)
//   push: count, element_offset, seed, step, p, scale
//         (scale is computed on the host as float(1) / (float(1) - p), the reference's rounding:
//          a division in the shader may be off by 2.5 ulp in Vulkan)
//   The host guarantees element_offset + count <= 2^32.
#include "common.glsl"
#include "philox.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push {
  uint count;
  uint element_offset;
  uint seed;
  uint step;
  float p;
  float scale;
};

void main() {
  const uint last = element_offset + (count - 1u);  // global index of the last element
  const uint block = (element_offset >> 2u) + linear_index();
  if (block > (last >> 2u)) return;
  const uvec4 r = philox4x32_10(uvec4(block, 0u, 0u, 0u), uvec2(seed, step));
  for (uint word = 0u; word < 4u; ++word) {
    const uint g = block * 4u + word;
    if (g < element_offset || g > last) continue;
    const uint i = g - element_offset;
    y[i] = philox_unit_float(r[word]) >= p ? x[i] * scale : 0.0;
  }
}
