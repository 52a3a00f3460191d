/* ret_1 = (c_t − c_{t−1}) / c_{t−1} (subtraction form: bit-exact with TA-Lib ROCP);
 * logret_1 = log(c_t / c_{t−1}) (ratio form: bit-exact with LN(ROCR)). Lookback 1. */
#include "kernel_math.h"

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

BF_KERNEL(bf_ret, (const double *c, size_t n, double *ret, double *logret), (c, n, ret, logret))
