/* RSI (Wilder): d_t = c_t − c_{t−1}; averages of gains and losses seeded at t = p on changes
 * 1..p, then (prev · (p − 1) + x) · (1/p) (bf_wilder; fused on the vector paths, bf_wilder_step); RSI = 100 · (AG / (AG + AL)), 0 when AG + AL == 0 (TA-Lib:
 * a flat window is 0, not 50). Lookback p. */
#include "kernel_math.h"

size_t bf_lookback_rsi(size_t p) { return p; }

BF_INLINE void bf_rsi_body(const double *c, size_t n, size_t p, double *out, int vector) {
    double gs = 0.0, ls = 0.0, ag = 0.0, al = 0.0, inv_p = 1.0 / (double)p;
    for (size_t t = 0; t < n; t++) {
        if (t >= 1 && p > 0) {
            double d = c[t] - c[t - 1];
            double g = d > 0 ? d : 0.0, lo = d < 0 ? -d : 0.0;
            if (t <= p) {
                gs += g;
                ls += lo;
            }
            if (t == p) {
                ag = gs / (double)p;
                al = ls / (double)p;
            } else if (t > p) {
                ag = bf_wilder_step(ag, g, (double)p, inv_p, vector);
                al = bf_wilder_step(al, lo, (double)p, inv_p, vector);
            }
        }
        if (t >= p && p > 0) {
            double s = ag + al;
            out[t] = s != 0.0 ? 100.0 * (ag / s) : 0.0;
        } else {
            out[t] = NAN;
        }
    }
}

BF_KERNEL_V(bf_rsi, (const double *c, size_t n, size_t p, double *out), (c, n, p, out), c, n, p, out)
