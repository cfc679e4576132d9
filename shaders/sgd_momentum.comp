#version 450
// SGD with momentum and weight decay, the paper's rule (section 5), in place and elementwise:
//   v = momentum * v - weight_decay * lr * w - lr * g
//   w = w + v
// with the same float operations in the same order as ref::sgd_momentum_update<float>, i.e.
// v = ((momentum * v) - ((weight_decay * lr) * w)) - (lr * g); `precise` forbids the compiler
// to contract any of them into an FMA, so every GPU rounds exactly like the host.
// The learning rate is READ FROM A BUFFER, not pushed: a recorded step can be replayed after the
// schedule changes it, by writing the buffer alone.
//   binding 0: w (count), updated   binding 1: v (count), updated   binding 2: g (count)
//   binding 3: lr (1), the learning rate at index 0
//   push: count, momentum, weight_decay
#include "common.glsl"

layout(std430, binding = 0) buffer W { float w[]; };
layout(std430, binding = 1) buffer V { float v[]; };
layout(std430, binding = 2) readonly buffer G { float g[]; };
layout(std430, binding = 3) readonly buffer LR { float lr; };
layout(push_constant) uniform Push {
  uint count;
  float momentum;
  float weight_decay;
};

void main() {
  const uint i = linear_index();
  if (i >= count) return;
  const float rate = lr;
  const float wi = w[i];
  precise const float vi = momentum * v[i] - weight_decay * rate * wi - rate * g[i];
  v[i] = vi;
  precise const float wn = wi + vi;
  w[i] = wn;
}
