#version 450
// Softmax cross-entropy backward, elementwise from the forward's probabilities:
//   dlogits_ij = (probs_ij - (j == label_i ? 1 : 0)) * scale
// The caller passes scale = 1 / (full batch size): the loss is the batch MEAN, and a micro-batch
// of a larger batch must scale by the whole batch, not by its own row count.
// A label outside [0, CLASSES) makes that row's dlogits all NaN (the host validates labels first).
//   binding 0: probs (N, CLASSES)   binding 1: labels (N), int32   binding 2: dlogits (N, CLASSES)
//   push: count (N * CLASSES), scale
//   spec: 3 CLASSES
#include "common.glsl"

layout(constant_id = 3) const uint CLASSES = 1000;

layout(std430, binding = 0) readonly buffer Probs { float probs[]; };
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, binding = 2) writeonly buffer DLogits { float dlogits[]; };
layout(push_constant) uniform Push {
  uint count;
  float scale;
};

void main() {
  const uint i = linear_index();
  if (i >= count) return;
  const uint row = i / CLASSES;
  const int label = labels[row];
  if (label < 0 || uint(label) >= CLASSES) {
    dlogits[i] = uintBitsToFloat(0x7fc00000u);  // quiet NaN
    return;
  }
  const float onehot = i - row * CLASSES == uint(label) ? 1.0 : 0.0;
  dlogits[i] = (probs[i] - onehot) * scale;
}
