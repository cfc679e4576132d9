#version 450
// Softmax cross-entropy backward, elementwise from the forward's probabilities:
//   dlogits_ij = (probs_ij - (j == label_i ? 1 : 0)) * scale
// The caller passes scale = 1 / (full batch size): the loss is the batch MEAN, and a micro-batch
// of a larger batch must scale by the whole batch, not by its own row count.
// A label outside [0, CLASSES) makes that row's dlogits all NaN (the host validates labels first).
//   binding 0: probs (N, CLASSES), RGBA32F texel view   binding 1: labels (N), int32
//   binding 2: dlogits (N, CLASSES), storage buffer
//   push: count (N * CLASSES), scale
//   spec: 3 CLASSES, 4 TEXELS (texels of four elements per invocation), 5 TAIL (the partial-texel
//         pipeline)
// Texel layout, work assignment and the TAIL pipeline: "Texel-wise element ops" in common.glsl.
// fp16 variant (ACT_FP16, LOSS_SCALE): dlogits stored in fp16, and multiplied by the dynamic loss
// scale S read from binding 3 (a buffer the host writes before each step, so a recorded step
// replays with any scale): dlogits = ((probs - onehot) * scale) * S. S is a power of two, so the
// product is exact unless it overflows fp16, which is what the loss scaler watches for.
//   binding 3 (LOSS_SCALE only): float S, float 1/S
//!variant fp16 ALEXNET_FP16 ACT_FP16 LOSS_SCALE
#include "common.glsl"

layout(constant_id = 3) const uint CLASSES = 1000;
layout(constant_id = 4) const uint TEXELS = 4;
layout(constant_id = 5) const bool TAIL = false;

layout(binding = 0) uniform samplerBuffer probs;
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(push_constant) uniform Push {
  uint count;
  float scale;
};
#ifdef LOSS_SCALE
layout(std430, binding = 3) readonly buffer LossScale {
  float loss_scale;
  float inv_loss_scale;
};
#endif

// The labels of rows r (one per element of a texel). With CLASSES >= 3 four consecutive elements
// span at most two rows, so two loads serve them (loads from a storage buffer are slow on CPU
// drivers); with fewer classes each element may be a row of its own.
ivec4 labels_of(uvec4 r) {
  if (CLASSES >= 3u) return mix(ivec4(labels[r.w]), ivec4(labels[r.x]), equal(r, uvec4(r.x)));
  return ivec4(labels[r.x], labels[r.y], labels[r.z], labels[r.w]);
}

vec4 compute(uint t) {
  // Elements past count (in the partial last texel) are clamped so that no label read is out of
  // bounds; their results are dropped.
  const uvec4 e = min(uvec4(4u * t) + uvec4(0u, 1u, 2u, 3u), uvec4(count - 1u));
  const uvec4 row = e / CLASSES;
  const uvec4 label = uvec4(labels_of(row));  // a negative label becomes >= CLASSES
  const vec4 onehot = vec4(equal(e - row * CLASSES, label));
  #ifdef LOSS_SCALE
  const vec4 d = ((texelFetch(probs, int(t)) - onehot) * scale) * loss_scale;
#else
  const vec4 d = (texelFetch(probs, int(t)) - onehot) * scale;
#endif
  return mix(vec4(uintBitsToFloat(0x7fc00000u)), d, lessThan(label, uvec4(CLASSES)));  // quiet NaN
}

#define OUT_BINDING 2
#include "texel_map.glsl"
