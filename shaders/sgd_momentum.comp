#version 450
// SGD with momentum and weight decay, the paper's rule (section 5), in place and elementwise:
//   v = momentum * v - weight_decay * lr * w - lr * g
//   w = w + v
// with the same float operations in the same order as ref::sgd_momentum_update<float>, i.e.
// v = ((momentum * v) - ((weight_decay * lr) * w)) - (lr * g); `precise` forbids the compiler
// to contract any of them into an FMA, so every GPU rounds exactly like the host.
// The learning rate is READ FROM A BUFFER, not pushed: a recorded step can be replayed after the
// schedule changes it, by writing the buffer alone.
// g is read through an RGBA32F texel view (texel layout, work assignment and the TAIL pipeline:
// "Texel-wise element ops" in common.glsl). w and v are read and written through one storage
// binding each: a texel view of the range being written in the same dispatch would be a second,
// unordered access to it (the synchronization validation layer reports it as a hazard).
//   binding 0: w (count), storage buffer, updated   binding 1: v (count), storage buffer, updated
//   binding 2: g (count), RGBA32F texel view        binding 3: lr (1), the learning rate at index 0
//   push: count, momentum, weight_decay
//   spec: 3 TEXELS (texels of four elements per invocation), 4 TAIL (the partial-texel pipeline)
// Variant unscale (SGD_UNSCALE), for dynamic loss scaling (--precision fp16): g holds S times the
// gradient, and the update reads g * (1/S) in its place, 1/S from binding 4 (float S, float 1/S,
// written by the host before each step). S is a power of two, so the unscaling is exact.
//!variant unscale SGD_UNSCALE
#include "common.glsl"

layout(constant_id = 3) const uint TEXELS = 4;
layout(constant_id = 4) const bool TAIL = false;
layout(std430, binding = 0) buffer W4 { vec4 w4[]; };
layout(std430, binding = 0) buffer W1 { float w1[]; };  // same memory as W4
layout(std430, binding = 1) buffer V4 { vec4 v4[]; };
layout(std430, binding = 1) buffer V1 { float v1[]; };  // same memory as V4
layout(binding = 2) uniform samplerBuffer g;
layout(std430, binding = 3) readonly buffer LR { float lr; };
#ifdef SGD_UNSCALE
layout(std430, binding = 4) readonly buffer LossScale {
  float loss_scale;
  float inv_loss_scale;
};
#endif
layout(push_constant) uniform Push {
  uint count;
  float momentum;
  float weight_decay;
};

struct Update {
  vec4 w, v;
};

vec4 gradient(uint t) {
#ifdef SGD_UNSCALE
  return texelFetch(g, int(t)) * inv_loss_scale;
#else
  return texelFetch(g, int(t));
#endif
}

Update update(vec4 wi, vec4 vi, uint t, float rate) {
  precise const vec4 vn = momentum * vi - weight_decay * rate * wi - rate * gradient(t);
  precise const vec4 wn = wi + vn;
  return Update(wn, vn);
}

void main() {
  const float rate = lr;  // once per invocation: a storage-buffer load is slow on CPU drivers
  const uint full = count >> 2u;  // texels whose four elements all exist
  if (TAIL) {
    if (linear_index() == 0u) {
      vec4 wi = vec4(0.0), vi = vec4(0.0);
      for (uint i = full * 4u; i < count; ++i) {
        wi[i & 3u] = w1[i];
        vi[i & 3u] = v1[i];
      }
      const Update u = update(wi, vi, full, rate);
      for (uint i = full * 4u; i < count; ++i) {
        w1[i] = u.w[i & 3u];
        v1[i] = u.v[i & 3u];
      }
    }
    return;
  }
  const uint first = first_texel(TEXELS);
  for (uint k = 0u; k < TEXELS; ++k) {
    const uint t = first + k * gl_WorkGroupSize.x;
    if (t < full) {
      const Update u = update(w4[t], v4[t], t, rate);
      w4[t] = u.w;
      v4[t] = u.v;
    }
  }
}
