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

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

// Flat invocation index for 1-D work dispatched with vkrt::linear_groups(), which spills group
// counts past 65535 into y.
uint linear_index() {
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  return group * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
}

#endif
