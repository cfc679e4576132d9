// Shared by adaptive_avgpool_fwd.comp and adaptive_avgpool_bwd.comp: the shape and the windows of
// PyTorch's AdaptiveAvgPool2d (model/reference/adaptive_avgpool.h). Output index i of an axis of
// IN elements cut into OUT covers [floor(i * IN / OUT), ceil((i + 1) * IN / OUT)).
//   spec: 3 H, 4 W, 5 OH, 6 OW
#ifndef ALEXNET_ADAPTIVE_AVGPOOL_GLSL
#define ALEXNET_ADAPTIVE_AVGPOOL_GLSL

layout(constant_id = 3) const uint H = 13;
layout(constant_id = 4) const uint W = 13;
layout(constant_id = 5) const uint OH = 6;
layout(constant_id = 6) const uint OW = 6;

uint window_begin(uint i, uint in_size, uint out_size) { return (i * in_size) / out_size; }
uint window_end(uint i, uint in_size, uint out_size) { return ((i + 1u) * in_size + out_size - 1u) / out_size; }

#endif
