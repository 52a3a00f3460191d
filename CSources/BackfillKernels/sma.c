/* SMA, TA-Lib's running sum (bit-exact with TA-Lib): S += c_t; out = S / p; S −= c_{t−p+1}.
 * Lookback p − 1. */
#include "kernel_math.h"

size_t bf_lookback_sma(size_t p) { return p > 0 ? p - 1 : 0; }

BF_INLINE void bf_sma_body(const double *c, size_t n, size_t p, double *out) {
    double sum = 0.0;
    for (size_t t = 0; t < n; t++) {
        if (p == 0) {
            out[t] = NAN;
            continue;
        }
        sum += c[t];
        if (t + 1 >= p) {
            out[t] = sum / (double)p;
            sum -= c[t + 1 - p];
        } else {
            out[t] = NAN;
        }
    }
}

BF_KERNEL(bf_sma, (const double *c, size_t n, size_t p, double *out), (c, n, p, out))
