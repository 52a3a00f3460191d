/* Double vectors of 8, 4 and 2 lanes for the vector paths, written once with clang's
 * ext_vector_type and compiled per path (vector_path.h takes one lane count): inside an AVX-512
 * function a bf_v8 is one zmm register, inside an AVX2+FMA function two ymm registers (a bf_v4
 * one), on AArch64 a bf_v4 is two q registers (a bf_v2 one). Every helper is always_inline, so it takes the
 * instruction set of the function it is inlined into (no vector crosses a call, no global flags).
 *
 * Each lane's result depends only on that lane's inputs: a value is the same whichever vector,
 * block or tail it is computed in (the per-kernel entry points and the fused pass agree bit for
 * bit). */
#ifndef BACKFILL_VEC8_H
#define BACKFILL_VEC8_H

#include <math.h>
#include <string.h>

#include "kernel_math.h"

#if !defined(__clang__)
#error "the vector paths are written with clang's ext_vector_type: build the kernels with clang (SwiftPM does)"
#endif

/* Every helper is inlined, so no vector crosses a call boundary: the ABI warning does not apply. */
#pragma clang diagnostic ignored "-Wpsabi"
typedef double bf_v8 __attribute__((ext_vector_type(8)));
typedef long bf_v8i __attribute__((ext_vector_type(8)));
typedef double bf_v4 __attribute__((ext_vector_type(4)));
typedef long bf_v4i __attribute__((ext_vector_type(4)));
typedef double bf_v2 __attribute__((ext_vector_type(2)));
typedef long bf_v2i __attribute__((ext_vector_type(2)));

#define BF_RECIP_MIN 1e-150
#define BF_RECIP_MAX 1e150
#define BF_LOG_NEAR1 0.0625

#endif
