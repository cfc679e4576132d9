#version 450
// Whether a tensor holds a NaN or an infinity: sets flag to 1 (atomicOr) when any of its `count`
// floats has an all-ones exponent. The bit test, not isnan()/isinf(), so that no compiler's
// floating-point assumptions can fold the check away. The host clears the flag before the step
// and reads it after (dynamic loss scaling: a step whose scaled gradients overflowed is skipped).
//   binding 0: g (count), RGBA32F texel view   binding 1: flag (1 uint), storage buffer
//   push: count
//   spec: 3 TEXELS (texels of four elements per invocation)
// One pipeline covers the partial last texel too: its elements past count are masked.
#include "common.glsl"

layout(constant_id = 3) const uint TEXELS = 4;
layout(binding = 0) uniform samplerBuffer g;
layout(std430, binding = 1) buffer Flag { uint flag; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint texels = (count + 3u) >> 2u;
  const uint first = first_texel(TEXELS);
  bool bad = false;
  for (uint k = 0u; k < TEXELS; ++k) {
    const uint t = first + k * gl_WorkGroupSize.x;
    if (t >= texels) break;
    const uvec4 bits = floatBitsToUint(texelFetch(g, int(t)));
    const bvec4 inside = lessThan(uvec4(4u * t) + uvec4(0u, 1u, 2u, 3u), uvec4(count));
    const bvec4 special = equal(bits & uvec4(0x7f800000u), uvec4(0x7f800000u));
    bad = bad || any(bvec4(uvec4(special) & uvec4(inside)));
  }
  if (bad) atomicOr(flag, 1u);
}
