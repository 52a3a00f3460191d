/* ret_1 = (c_t − c_{t−1}) / c_{t−1} (subtraction form: bit-exact with TA-Lib ROCP);
 * logret_1 = log(c_t / c_{t−1}) (ratio form: with libm's log, on the scalar path, bit-exact with
 * LN(ROCR); the vector paths take the 8-lane log of vector_path.h, within 1 ulp, the same lanes
 * the fused pass computes). Lookback 1. */
#include "kernel_math.h"

size_t bf_lookback_ret(void) { return 1; }

BF_INLINE void bf_ret_body(const double *c, size_t n, double *ret, double *logret, int vector_log) {
    if (n == 0) return;
    ret[0] = NAN;
    logret[0] = NAN;
    for (size_t t = 1; t < n; t++) ret[t] = (c[t] - c[t - 1]) / c[t - 1];
    if (vector_log == 0)
        for (size_t t = 1; t < n; t++) logret[t] = log(c[t] / c[t - 1]);
#if BF_HAS_AVX2_BUILD
    else if (vector_log == 1) bf_log_ratio_avx2(c + 1, c, logret + 1, n - 1);
    else bf_log_ratio_avx512(c + 1, c, logret + 1, n - 1);
#elif BF_HAS_NEON_BUILD
    else bf_log_ratio_neon(c + 1, c, logret + 1, n - 1);
#endif
}

void bf_ret_scalar(const double *c, size_t n, double *ret, double *logret) { bf_ret_body(c, n, ret, logret, 0); }
#if BF_HAS_AVX2_BUILD
BF_TARGET_AVX2 void bf_ret_avx2(const double *c, size_t n, double *ret, double *logret) {
    bf_ret_body(c, n, ret, logret, 1);
}
BF_TARGET_AVX512 void bf_ret_avx512(const double *c, size_t n, double *ret, double *logret) {
    bf_ret_body(c, n, ret, logret, 2);
}
#elif BF_HAS_NEON_BUILD
void bf_ret_neon(const double *c, size_t n, double *ret, double *logret) { bf_ret_body(c, n, ret, logret, 3); }
#endif

BF_KERNEL_DISPATCH(bf_ret, (const double *c, size_t n, double *ret, double *logret), (c, n, ret, logret))
