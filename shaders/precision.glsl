// Storage formats of a shader's tensors, chosen per compiled variant (cmake/shaders.cmake builds a
// shader again for each of its `//!variant` lines). Arithmetic is fp32 in every variant: a 16-bit
// value is widened with float() when loaded and rounded to nearest with the type's constructor
// when stored, so sums and products never run in 16 bits (no shaderFloat16 needed, only
// storageBuffer16BitAccess).
//
// Definitions a variant may pass:
//   ALEXNET_FP16   the shader stores some tensor in fp16 (enables GL_EXT_shader_16bit_storage)
//   ACT_FP16       activations and their gradients are fp16: ACT_T (ACT4_T for four) below. The
//                  element ops read them through RGBA16F / R16F texel views (vkrt::half_texels),
//                  whose fetches return fp32, and write ACT_T / ACT4_T storage buffers
//   GEMM_A_FP16, GEMM_B_FP16, GEMM_C_FP16   gemm.comp's operands A, B and result C are fp16
// A storage type is used as `layout(std430) buffer X { ACT_T x[]; }` and read as float(x[i]).
#ifndef ALEXNET_PRECISION_GLSL
#define ALEXNET_PRECISION_GLSL

#ifdef ALEXNET_FP16
#extension GL_EXT_shader_16bit_storage : require
#endif

#ifdef ACT_FP16
#define ACT_T float16_t
#define ACT4_T f16vec4
#else
#define ACT_T float
#define ACT4_T vec4
#endif

#endif
