// The QUAD work assignment of lrn_fwd, lrn_bwd and maxpool_fwd: one invocation per four consecutive
// elements 4q .. 4q+3 of the flat output, written as one vec4 (a texel).
//
// The main pipeline computes the count / 4 whole quads (the host dispatches that many
// invocations); a second pipeline of the same shader, built with TAIL = true and dispatched as one
// workgroup, computes the partial quad count / 4 when count % 4 != 0, writing its elements one at
// a time. Why not a branch in one pipeline: llvmpipe runs both sides of every branch (masked), so
// the partial quad's scalar stores would cost every invocation.
//
// The including shader declares `layout(constant_id = ...) const bool TAIL` before including.
#ifndef ALEXNET_QUADS_GLSL
#define ALEXNET_QUADS_GLSL

// This invocation's quad q; false when it has none.
bool my_quad(uint count, out uint q) {
  if (TAIL) {
    q = count >> 2u;
    return linear_index() == 0u;
  }
  q = linear_index();
  return q < (count >> 2u);
}

// Writes quad q's results v (a vec4) to out4 / out1, views of one buffer of T4 / T1 elements
// (vec4 / float, or f16vec4 / float16_t for fp16 storage: rounded to nearest when stored).
#define STORE_QUAD_AS(T4, T1, out4, out1, q, count, v)                                      \
  if (TAIL) {                                                                               \
    for (uint i_ = 4u * (q); i_ < (count); ++i_) out1[i_] = T1((v)[i_ - 4u * (q)]);        \
  } else {                                                                                  \
    out4[q] = T4(v);                                                                        \
  }
// The fp32 case: out4 / out1 are vec4 and float views.
#define STORE_QUAD(out4, out1, q, count, v) STORE_QUAD_AS(vec4, float, out4, out1, q, count, v)

#endif
