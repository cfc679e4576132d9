// Shared by every compute shader.
//
// Conventions:
//   - specialization constant ids 0, 1, 2 are the workgroup size (set from C++ KernelDesc);
//     ids 3, 4, ... are the shader's own shape constants, in the order its header lists them;
//   - push constants are 4-byte scalars only, mirrored field for field by a C++ struct;
//   - every buffer is a std430 storage buffer in descriptor set 0, bindings numbered from 0;
//   - accumulate in fp32 (never in a reduced format).
#ifndef ALEXNET_COMMON_GLSL
#define ALEXNET_COMMON_GLSL

#include "precision.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

// Flat invocation index for 1-D work dispatched with vkrt::linear_groups(), which spills group
// counts past 65535 into y.
uint linear_index() {
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  return group * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

// Flat workgroup index for 1-D work dispatched with vkrt::linear_groups() (see linear_index()).
uint linear_group() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

// ---- Texel-wise element ops (relu, tanh, dropout, sgd, softmax backward) ----
// On CPU drivers (llvmpipe) a storage-buffer LOAD at a per-invocation address compiles to a
// scalar loop over the SIMD lanes, one bounds-checked load per component, while a texel-buffer
// fetch compiles to a vector gather: several times cheaper. Storage-buffer STORES are cheap
// enough. So these ops read their inputs through RGBA32F texel views (a vec4 of four
// consecutive floats per texel) and write vec4s to a storage buffer, with a float[] view of the
// same binding for the last, partial texel.
//
// Work assignment: invocation `l` of workgroup `g` handles texels g * (local size * TEXELS) + k *
// (local size) + l for k < TEXELS (consecutive invocations touch consecutive texels, which suits
// both CPU caches and GPU coalescing).
//
// The partial texel after the count / 4 whole ones is left to a second pipeline of the same
// shader, built with the specialization constant TAIL = true and dispatched as one workgroup,
// whose first invocation writes it alone. Why not a branch in one pipeline: llvmpipe runs both
// sides of every branch (masked), so the tail's code would cost every invocation.

// First texel of this invocation; add k * gl_WorkGroupSize.x for its k-th.
uint first_texel(uint texels_per_invocation) {
  return linear_group() * gl_WorkGroupSize.x * texels_per_invocation + gl_LocalInvocationID.x;
}

#endif
