#version 450
// Local response normalisation backward, one pass, one invocation per element:
//   dx_i = dy_i * s_i^-BETA - 2 * ALPHA * BETA * x_i * sum_{j : |i - j| <= SIZE/2} dy_j * y_j / s_j
// using x_j * s_j^(-BETA-1) = y_j / s_j, so the window needs no powers, only the forward's saved
// y and scale (s); the one power left is s_i^-BETA. Sums in fp32.
//   binding 0: x (N, C, H, W), the forward input    binding 1: y (N, C, H, W), the forward output
//   binding 2: scale (N, C, H, W), from lrn_fwd     binding 3: dy (N, C, H, W)
//   binding 4: dx (N, C, H, W)
//   push: count (N * C * H * W)
//   spec: 3 SIZE (odd), 4 K, 5 ALPHA, 6 BETA, 7 C, 8 PLANE (H * W)
#include "common.glsl"

layout(constant_id = 3) const int SIZE = 5;
layout(constant_id = 4) const float K = 2.0;  // unused here: s comes from the forward pass
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
layout(std430, binding = 1) readonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer Scale { float scale[]; };
layout(std430, binding = 3) readonly buffer DY { float dy[]; };
layout(std430, binding = 4) writeonly buffer DX { float dx[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint i = linear_index();
  if (i >= count) return;
  const int c = int((i / PLANE) % C);
  float sum = 0.0;
  for (int d = -HALF; d <= HALF; ++d) {
    const int j = c + d;
    if (j < 0 || j >= int(C)) continue;
    const uint at = i + uint(d * int(PLANE));  // wraps like signed arithmetic
    sum += dy[at] * y[at] / scale[at];
  }
  dx[i] = dy[i] * pow_neg_beta(scale[i]) - (2.0 * ALPHA * BETA) * x[i] * sum;
}
