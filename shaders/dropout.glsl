// Inverted dropout, shared by dropout_fwd.comp and dropout_bwd.comp:
//   out_i = keep_i ? in_i * scale : 0,  keep_i = u_i >= p,  scale = 1/(1-p).
// The mask is never stored: u_i comes from Philox4x32-10 keyed by (seed, step) at the element's
// GLOBAL flat index g = element_offset + i, exactly as ref::dropout_keep(g, p, seed, step), where
// seed = key_seed ^ salt and step = key_step: the step's key lives in a buffer (binding 2), so a
// recorded training step is replayed with each step's key, and the salt (per layer) in the push:
//   r = philox4x32_10({g >> 2, 0, 0, 0}, {seed, step})[g & 3],  u = (r >> 8) * 2^-24.
// A slice of a larger tensor (a micro-batch, or one dispatch of a call cut into chunks) passes
// its first element's index as element_offset and draws the same mask as the whole tensor would.
// ROWS: the call holds a column slice of a (rows, row_stride) tensor (an fc layer's outputs split
// across devices): call element j = first + i (i: this dispatch's element, first: the dispatch's
// start within the call) is global g = element_offset + (j / row_length) * row_stride
// + row_offset + j % row_length.
//   binding 2: the step key, two uints (key_seed, key_step), storage buffer
//   push: count, element_offset, salt, p, scale, row_length, row_stride, row_offset, first,
//         row_magic, row_shift1, row_shift2
//         (scale is computed on the host as float(1) / (float(1) - p), the reference's rounding:
//          a division in the shader may be off by 2.5 ulp in Vulkan; the fields after scale are
//          read only by ROWS pipelines)
//   spec: 3 TEXELS (texels of four elements per invocation), 4 TAIL (the partial-texel pipeline),
//         5 SHIFTED (false: each texel is one Philox block: element_offset % 4 == 0, and with ROWS
//         also row_length, row_stride, row_offset and first), 6 ROWS (the row mapping above)
//   The host guarantees every global index is below 2^32.
#ifndef ALEXNET_DROPOUT_GLSL
#define ALEXNET_DROPOUT_GLSL

#include "philox.glsl"

layout(constant_id = 3) const uint TEXELS = 4;
layout(constant_id = 4) const bool TAIL = false;
layout(constant_id = 5) const bool SHIFTED = true;
layout(constant_id = 6) const bool ROWS = false;
layout(binding = 2, std430) readonly buffer StepKey {
  uint key_seed;
  uint key_step;
};
layout(push_constant) uniform Push {
  uint count;
  uint element_offset;
  uint salt;
  float p;
  float scale;
  uint row_length;
  uint row_stride;
  uint row_offset;
  uint first;
  uint row_magic;   // j / row_length = (h + ((j - h) >> row_shift1)) >> row_shift2, h = mulhi(j, magic)
  uint row_shift1;
  uint row_shift2;
};

// ROWS: the global index of this dispatch's element i (see the header). The division by
// row_length is a multiply by the host's magic number (Granlund & Montgomery 1994, fig. 4.1; exact
// for every 32-bit j): llvmpipe has no vector integer division and divides lane by lane; with `/`
// the per-element pipeline took 27% longer on lavapipe.
uint dropout_row_index(uint i) {
  const uint j = first + i;
  uint h, l;
  umulExtended(j, row_magic, h, l);
  const uint row = (h + ((j - h) >> row_shift1)) >> row_shift2;
  return element_offset + row * row_stride + row_offset + (j - row * row_length);
}

// ROWS: the draws of local elements 4t .. 4t+3. Aligned (!SHIFTED), the texel lies inside one row
// and starts a Philox block. Otherwise a texel may straddle rows (row_length 1 puts each element
// in its own), so each element gets its own block: four Philox calls, the price of generality.
uvec4 dropout_row_draws(uint t, uvec2 key) {
  if (!SHIFTED) return philox4x32_10(uvec4(dropout_row_index(4u * t) >> 2u, 0u, 0u, 0u), key);
  uvec4 r;
  for (uint c = 0u; c < 4u; ++c) {
    const uint g = dropout_row_index(4u * t + c);
    r[c] = philox4x32_10(uvec4(g >> 2u, 0u, 0u, 0u), key)[g & 3u];
  }
  return r;
}

// The draws r of local elements 4t .. 4t+3 (global indices g = element_offset + 4t + c). When
// element_offset is a multiple of 4 the texel is exactly one Philox block; otherwise it
// straddles two, and takes the last 4 - shift words of one and the first shift of the next.
// SHIFTED selects the code at pipeline creation (the host picks the pipeline by the offset):
// llvmpipe would run the second block's ten rounds under a branch even when it is not taken.
uvec4 dropout_draws(uint t) {
  // ROWS is a specialization constant, folded away when false. The code after it is kept in
  // today's order: llvmpipe ran the contiguous pipeline 8% slower with `key` loaded first.
  if (ROWS) return dropout_row_draws(t, uvec2(key_seed ^ salt, key_step));
  const uint block = (element_offset + 4u * t) >> 2u;
  const uvec2 key = uvec2(key_seed ^ salt, key_step);
  const uvec4 lo = philox4x32_10(uvec4(block, 0u, 0u, 0u), key);
  if (!SHIFTED) return lo;
  const uvec4 hi = philox4x32_10(uvec4(block + 1u, 0u, 0u, 0u), key);
  const uint shift = element_offset & 3u;  // the same for every texel of a call
  return shift == 0u ? lo
       : shift == 1u ? uvec4(lo.yzw, hi.x)
       : shift == 2u ? uvec4(lo.zw, hi.xy)
                     : uvec4(lo.w, hi.xyz);
}

// The output texel for input texel v at texel t. mix() with a boolean selector picks v * scale
// or 0 exactly, as the reference's `keep ? x * scale : 0` does.
vec4 dropout_apply(vec4 v, uint t) {
  return mix(vec4(0.0), v * scale, greaterThanEqual(philox_unit_float(dropout_draws(t)), vec4(p)));
}

#endif
