/* ret_1 = (c_t − c_{t−1}) / c_{t−1} (subtraction form: bit-exact with TA-Lib ROCP);
 * logret_1 = log(c_t / c_{t−1}) (ratio form: with libm's log, on the scalar path, bit-exact with
 * LN(ROCR); the AVX2 path uses a 4-lane log within 1 ulp, vlog.h). Lookback 1. */
#include "kernel_math.h"
#include "vlog.h"

size_t bf_lookback_ret(void) { return 1; }

BF_INLINE void bf_ret_body(const double *c, size_t n, double *ret, double *logret) {
    if (n == 0) return;
    ret[0] = NAN;
    logret[0] = NAN;
    for (size_t t = 1; t < n; t++) {
        ret[t] = (c[t] - c[t - 1]) / c[t - 1];
        logret[t] = log(c[t] / c[t - 1]);
    }
}

static void bf_ret_scalar(const double *c, size_t n, double *ret, double *logret) { bf_ret_body(c, n, ret, logret); }

#if BF_HAS_AVX2_BUILD
/* The AVX2 path takes the vector log (≤ 1 ulp) instead of libm's. */
BF_TARGET_AVX2 static void bf_ret_avx2(const double *c, size_t n, double *ret, double *logret) {
    if (n == 0) return;
    ret[0] = NAN;
    logret[0] = NAN;
    for (size_t t = 1; t < n; t++) ret[t] = (c[t] - c[t - 1]) / c[t - 1];
    bf_log_ratio_avx2(c + 1, c, logret + 1, n - 1);
}
#endif

void bf_ret(const double *c, size_t n, double *ret, double *logret) {
#if BF_HAS_AVX2_BUILD
    if (bf_kernels_active_path() == BF_PATH_AVX2) {
        bf_ret_avx2(c, n, ret, logret);
        return;
    }
#endif
    bf_ret_scalar(c, n, ret, logret);
}
