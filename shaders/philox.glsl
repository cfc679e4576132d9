// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), bit for
// bit the same as ref::philox4x32_10 in model/reference/dropout.h: a counter-based generator, so a
// random number is a pure function of (counter, key) and backward can regenerate forward's mask.
#ifndef ALEXNET_PHILOX_GLSL
#define ALEXNET_PHILOX_GLSL

const uint PHILOX_M0 = 0xD2511F53u;  // multiplier applied to counter word 0
const uint PHILOX_M1 = 0xCD9E8D57u;  // multiplier applied to counter word 2
const uint PHILOX_W0 = 0x9E3779B9u;  // key schedule increment, key word 0
const uint PHILOX_W1 = 0xBB67AE85u;  // key schedule increment, key word 1

// One Philox4x32 round (Random123's philox4x32round).
uvec4 philox4x32_round(uvec4 ctr, uvec2 key) {
  uint hi0, lo0, hi1, lo1;
  umulExtended(PHILOX_M0, ctr.x, hi0, lo0);
  umulExtended(PHILOX_M1, ctr.z, hi1, lo1);
  return uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
}

// Ten rounds; the first uses the key as given, each later one bumps it by (W0, W1).
uvec4 philox4x32_10(uvec4 ctr, uvec2 key) {
  ctr = philox4x32_round(ctr, key);
  for (int round = 1; round < 10; ++round) {
    key += uvec2(PHILOX_W0, PHILOX_W1);
    ctr = philox4x32_round(ctr, key);
  }
  return ctr;
}

// The top 24 bits of a 32-bit draw as a float in [0, 1): exact (24 bits fit the significand), so
// the comparison with p below is decided identically on the host and on every GPU.
float philox_unit_float(uint r) { return float(r >> 8u) * 5.9604644775390625e-8; /* 2^-24 */ }
vec4 philox_unit_float(uvec4 r) { return vec4(r >> 8u) * 5.9604644775390625e-8; }

#endif
