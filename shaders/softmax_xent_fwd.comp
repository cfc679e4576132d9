#version 450
// Softmax cross-entropy forward, one invocation per row (sample):
//   m = max_j logits_j,   sum = sum_j exp(logits_j - m)
//   probs_j = exp(logits_j - m) / sum
//   loss    = (m - logits[label]) + log(sum)       (= logsumexp - logit[label], never log(p))
// Each row is walked four classes at a time: the sum keeps four partial sums (class j goes to
// partial j % 4), added pairwise at the end, then the last CLASSES % 4 classes in order. That is a
// fixed order, so results are deterministic, and each partial sums a quarter of the row.
// The logits are read through an R32F texel view (a row starts anywhere within a texel): a fetch
// is a vector gather on CPU drivers, where a storage-buffer load at a per-invocation address is a
// slow scalar loop. probs are written as vec4s when rows start on a texel (CLASSES % 4 == 0).
// LOOP BOUND: the three passes take 3 * (CLASSES / 4) + 3 * (CLASSES % 4) iterations per
// invocation; llvmpipe ends an invocation after 65535, so the host refuses CLASSES > 65536.
// A label outside [0, CLASSES) yields loss = NaN for that row (probs are still written); the host
// validates labels before upload, the NaN only keeps a bad label from training silently.
//   binding 0: logits (N, CLASSES), R32F texel view   binding 1: labels (N), int32
//   binding 2: probs (N, CLASSES)    binding 3: loss (N), per sample (the batch loss is the mean)
//   push: rows (N)
//   spec: 3 CLASSES
#include "common.glsl"

layout(constant_id = 3) const uint CLASSES = 1000;
const uint QUADS = CLASSES / 4u;  // whole groups of four classes per row

layout(binding = 0) uniform samplerBuffer logits;
layout(std430, binding = 1) readonly buffer Labels { int labels[]; };
layout(std430, binding = 2) writeonly buffer Probs { float probs[]; };
layout(std430, binding = 2) writeonly buffer Probs4 { vec4 probs4[]; };  // same memory as Probs
layout(std430, binding = 3) writeonly buffer Loss { float loss[]; };
layout(push_constant) uniform Push { uint rows; };

float logit(uint i) { return texelFetch(logits, int(i)).x; }
vec4 logit4(uint i) { return vec4(logit(i), logit(i + 1u), logit(i + 2u), logit(i + 3u)); }

float row_max(uint base) {
  vec4 m4 = vec4(logit(base));  // every row has at least one class; avoids an infinity constant
  for (uint q = 0u; q < QUADS; ++q) m4 = max(m4, logit4(base + 4u * q));
  float m = max(max(m4.x, m4.y), max(m4.z, m4.w));
  for (uint j = 4u * QUADS; j < CLASSES; ++j) m = max(m, logit(base + j));
  return m;
}

float row_sum_exp(uint base, float m) {
  vec4 s4 = vec4(0.0);
  for (uint q = 0u; q < QUADS; ++q) s4 += exp(logit4(base + 4u * q) - m);
  float s = (s4.x + s4.y) + (s4.z + s4.w);
  for (uint j = 4u * QUADS; j < CLASSES; ++j) s += exp(logit(base + j) - m);
  return s;
}

void write_probs(uint base, float m, float s) {
  for (uint q = 0u; q < QUADS; ++q) {
    const uint j = base + 4u * q;
    const vec4 p = exp(logit4(j) - m) / s;
    if (CLASSES % 4u == 0u) {
      probs4[j >> 2u] = p;
    } else {
      probs[j] = p.x;
      probs[j + 1u] = p.y;
      probs[j + 2u] = p.z;
      probs[j + 3u] = p.w;
    }
  }
  for (uint j = 4u * QUADS; j < CLASSES; ++j) probs[base + j] = exp(logit(base + j) - m) / s;
}

void main() {
  const uint row = linear_index();
  if (row >= rows) return;
  const uint base = row * CLASSES;
  const float m = row_max(base);
  const float s = row_sum_exp(base, m);
  write_probs(base, m, s);
  const int label = labels[row];
  const bool valid = label >= 0 && uint(label) < CLASSES;
  const float picked = logit(base + (valid ? uint(label) : 0u));
  loss[row] = valid ? (m - picked) + log(s) : uintBitsToFloat(0x7fc00000u);  // quiet NaN
}
