/* The vector paths: vector_path.h instantiated per instruction set (function-level target
 * attributes only, so this file builds for any x86-64 and the CPU check picks at run time). */
#include "features_v1.h"
#include "vec8.h"

#if BF_HAS_AVX2_BUILD
#define BF_VP_SUFFIX avx2
#define BF_VP_TARGET "avx2,fma"
#include "vector_path.h"
#undef BF_VP_SUFFIX
#undef BF_VP_TARGET

#define BF_VP_SUFFIX avx512
#define BF_VP_TARGET "avx512f,avx512dq,avx512vl,avx2,fma"
#include "vector_path.h"
#undef BF_VP_SUFFIX
#undef BF_VP_TARGET
#endif
