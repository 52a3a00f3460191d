/* EMA: k = 2 / (p + 1); seed at t = p − 1: Σ c_0..p−1 / p; then fma(c_t − EMA_{t−1}, k, EMA_{t−1}),
 * one fused multiply-add (bit-exact with TA-Lib's binary). Lookback p − 1. */
#include "kernel_math.h"

size_t bf_lookback_ema(size_t p) { return p > 0 ? p - 1 : 0; }

BF_INLINE void bf_ema_body(const double *c, size_t n, size_t p, double *out) {
    double k = 2.0 / ((double)p + 1.0), prev = 0.0, seed = 0.0;
    for (size_t t = 0; t < n; t++) {
        if (p == 0) {
            out[t] = NAN;
        } else if (t + 1 < p) {
            seed += c[t];
            out[t] = NAN;
        } else if (t + 1 == p) {
            seed += c[t];
            prev = seed / (double)p;
            out[t] = prev;
        } else {
            prev = fma(c[t] - prev, k, prev);
            out[t] = prev;
        }
    }
}

BF_KERNEL(bf_ema, (const double *c, size_t n, size_t p, double *out), (c, n, p, out))
