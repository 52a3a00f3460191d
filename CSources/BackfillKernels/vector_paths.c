/* The vector paths: vector_path.h instantiated per instruction set and lane count (on x86,
 * function-level target attributes only, so this file builds for any x86-64 and the CPU check
 * picks at run time; on AArch64 the baseline has the vectors). BF_AVX2_LANES and BF_NEON_LANES
 * may be set to measure the other shapes (benchmarks/first_touch.c, docs/performance.md). */
#include "features_v1.h"
#include "vec8.h"

#ifndef BF_AVX2_LANES
#define BF_AVX2_LANES 8 /* 4 measured no faster on AMD EPYC (docs/performance.md) */
#endif
#ifndef BF_NEON_LANES
#define BF_NEON_LANES 4
#endif

#if BF_HAS_AVX2_BUILD
#define BF_VP_SUFFIX avx2
#define BF_VP_TARGET "avx2,fma"
#define BF_VP_LANES BF_AVX2_LANES
#include "vector_path.h"
#undef BF_VP_SUFFIX
#undef BF_VP_TARGET
#undef BF_VP_LANES

#define BF_VP_SUFFIX avx512
#define BF_VP_TARGET "avx512f,avx512dq,avx512vl,avx2,fma"
#define BF_VP_LANES 8
#include "vector_path.h"
#undef BF_VP_SUFFIX
#undef BF_VP_TARGET
#undef BF_VP_LANES
#endif

#if BF_HAS_NEON_BUILD
#define BF_VP_SUFFIX neon
#define BF_VP_LANES BF_NEON_LANES
#include "vector_path.h"
#undef BF_VP_SUFFIX
#undef BF_VP_LANES
#endif
