#version 450
// Adaptive average pooling forward: y[n, c, oy, ox] is the mean of x over the window rows
// [floor(oy * H / OH), ceil((oy + 1) * H / OH)) and columns likewise (adaptive_avgpool.glsl),
// summed in fp32 in row-major order. With H == OH and W == OW it copies x.
// Work assignment: one invocation per output element.
//   binding 0: x (N, C, H, W)   binding 1: y (N, C, OH, OW)
//   push: count (N * C * OH * OW)
//   spec: 3 H, 4 W, 5 OH, 6 OW
// fp16 variant (ACT_FP16): x and y stored in fp16, the sum and the mean in fp32 (y rounded once).
//!variant fp16 ALEXNET_FP16 ACT_FP16
#include "common.glsl"
#include "adaptive_avgpool.glsl"

layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 1) writeonly buffer Y { ACT_T y[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
  const uint o = linear_index();
  if (o >= count) return;
  const uint plane = o / (OH * OW);
  const uint oy = (o / OW) % OH, ox = o % OW;
  const uint y0 = window_begin(oy, H, OH), y1 = window_end(oy, H, OH);
  const uint x0 = window_begin(ox, W, OW), x1 = window_end(ox, W, OW);
  const uint base = plane * (H * W);
  float sum = 0.0;
  for (uint iy = y0; iy < y1; ++iy)
    for (uint ix = x0; ix < x1; ++ix) sum += float(x[base + iy * W + ix]);
  y[o] = ACT_T(sum / float((y1 - y0) * (x1 - x0)));
}
