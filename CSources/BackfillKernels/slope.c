/* Linear-regression slope of the last p closes, price per bar (TA-Lib LINEARREG_SLOPE's order:
 * x = bars ago, (p·ΣXY − ΣX·ΣY) / ((ΣX)² − p·ΣX²)); O(p) per bar over the input in place.
 * Lookback p − 1. */
#include "kernel_math.h"

size_t bf_lookback_slope(size_t p) { return p > 0 ? p - 1 : 0; }

BF_INLINE void bf_slope_body(const double *c, size_t n, size_t p, double *out) {
    for (size_t t = 0; t < n; t++) out[t] = (p >= 2 && t + 1 >= p) ? bf_window_slope(c + t, p) : NAN;
}

BF_KERNEL(bf_slope, (const double *c, size_t n, size_t p, double *out), (c, n, p, out))
