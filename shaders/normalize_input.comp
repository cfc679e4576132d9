#version 450
// The network's input from a batch's bytes: x_i = (byte_i - mean[c]) * scale[c] with
// c = (first + i) / plane % channels (ref::normalize_input), so the host uploads a quarter of the
// bytes and the loader's float conversion happens here, bit for bit the same.
//   binding 0: the bytes, read as uint words (four bytes each, little-endian); this call's byte i
//              is byte skip + i of the binding
//   binding 1: the transform, float mean[4] then float scale[4] (written by the host per batch)
//   binding 2: x (count), storage buffer
//   push: count (bytes of this call), skip (see binding 0), first (index of byte 0 within the
//         (N, C, plane) batch, for its channel), plane (H * W), channels
// Work assignment: one invocation per four outputs.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Bytes { uint words[]; };
layout(std430, binding = 1) readonly buffer Transform { float mean[4]; float scale[4]; };
layout(std430, binding = 2) writeonly buffer X { float x[]; };
layout(push_constant) uniform Push {
  uint count;
  uint skip;
  uint first;
  uint plane;
  uint channels;
};

void main() {
  const uint i0 = linear_index() * 4u;
  for (uint k = 0u; k < 4u; ++k) {
    const uint i = i0 + k;
    if (i >= count) return;
    const uint b = skip + i;
    const uint byte_value = (words[b >> 2u] >> (8u * (b & 3u))) & 0xffu;
    const uint c = (first + i) / plane % channels;
    x[i] = (float(byte_value) - mean[c]) * scale[c];
  }
}
