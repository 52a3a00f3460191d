/* ATR (Wilder): TR_t for t >= 1 (never h_0 − l_0); seed at t = p: Σ TR_1..p / p, summed from 0 in
 * index order; then (ATR_{t−1} · (p − 1) + TR_t) · (1/p) (bf_wilder; the vector paths
 * fuse the first two operations, bf_wilder_step). NATR = (ATR / c) · 100.
 * Lookback p. */
#include "kernel_math.h"

size_t bf_lookback_atr(size_t p) { return p; }

BF_INLINE void bf_atr_body(const double *h, const double *l, const double *c, size_t n, size_t p, double *atr,
                           double *natr, int vector) {
    double sum = 0.0, prev = 0.0, inv_p = 1.0 / (double)p;
    for (size_t t = 0; t < n; t++) {
        if (t >= 1 && p > 0) {
            double tr = bf_true_range(h[t], l[t], c[t - 1]);
            if (t <= p) sum += tr;
            if (t == p) prev = sum / (double)p;
            else if (t > p) prev = bf_wilder_step(prev, tr, (double)p, inv_p, vector);
        }
        if (t >= p && p > 0) {
            atr[t] = prev;
            natr[t] = (prev / c[t]) * 100.0;
        } else {
            atr[t] = NAN;
            natr[t] = NAN;
        }
    }
}

BF_KERNEL_V(bf_atr, (const double *h, const double *l, const double *c, size_t n, size_t p, double *atr, double *natr),
            (h, l, c, n, p, atr, natr), h, l, c, n, p, atr, natr)
