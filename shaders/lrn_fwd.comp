#version 450
// Local response normalisation forward, across channels, the paper's formula (alpha NOT divided
// by SIZE; Caffe and PyTorch divide it):
//   scale_i = K + ALPHA * sum_{j = max(0, i - SIZE/2)}^{min(C - 1, i + SIZE/2)} x_j^2
//   y_i     = x_i * scale_i^-BETA
// per (n, h, w), i and j channel indices. One invocation per element; the window loop unrolls.
// scale is saved for lrn_bwd. Sums and powers in fp32.
//   binding 0: x (N, C, H, W)   binding 1: y (N, C, H, W)   binding 2: scale (N, C, H, W)
//   push: count (N * C * H * W)
//   spec: 3 SIZE (odd), 4 K, 5 ALPHA, 6 BETA, 7 C, 8 PLANE (H * W)
#include "common.glsl"

layout(constant_id = 3) const int SIZE = 5;
layout(constant_id = 4) const float K = 2.0;
layout(constant_id = 5) const float ALPHA = 1e-4;
layout(constant_id = 6) const float BETA = 0.75;
layout(constant_id = 7) const uint C = 96;
layout(constant_id = 8) const uint PLANE = 55 * 55;
const int HALF = SIZE / 2;

// s^-BETA for s >= K > 0 (what pow(s, -BETA) is defined as in Vulkan). For the paper's 0.75 the
// all-root form inversesqrt(s) * inversesqrt(sqrt(s)) is no better: measured on llvmpipe against
// the double reference it was slightly worse (3.3e-7 vs 2.7e-7 max relative error of y).
float pow_neg_beta(float s) {
  return exp2(-BETA * log2(s));
}

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Scale { float scale[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint i = linear_index();
  if (i >= count) return;
  const int c = int((i / PLANE) % C);
  float sum = 0.0;
  for (int d = -HALF; d <= HALF; ++d) {
    const int j = c + d;
    if (j < 0 || j >= int(C)) continue;
    const float a = x[i + uint(d * int(PLANE))];  // wraps like signed arithmetic
    sum += a * a;
  }
  const float s = K + ALPHA * sum;
  scale[i] = s;
  y[i] = x[i] * pow_neg_beta(s);
}
