/* Linear-regression slope of the last p closes, price per bar (TA-Lib LINEARREG_SLOPE), within
 * 1e-13 of the price level of TA-Lib's O(p) loop. Lookback p − 1. The scalar path keeps rolling
 * sums re-anchored every p bars (bf_rolling_slope); the vector paths take each window's weighted
 * differences (vector_path.h), lane for lane what the fused pass computes. */
#include "kernel_math.h"

size_t bf_lookback_slope(size_t p) { return p > 0 ? p - 1 : 0; }

BF_INLINE void bf_slope_body(const double *c, size_t n, size_t p, double *out) {
    bf_rolling_slope r = {0};
    for (size_t t = 0; t < n; t++) {
        if (p < 2 || t + 1 < p) {
            out[t] = NAN;
        } else if (t + 1 == p) {
            bf_rolling_slope_reset(&r, c, p);
            out[t] = bf_rolling_slope_value(&r, p);
        } else {
            out[t] = bf_rolling_slope_step(&r, c[t], c[t - p], c + t + 1, p);
        }
    }
}

void bf_slope_scalar(const double *c, size_t n, size_t p, double *out) { bf_slope_body(c, n, p, out); }

BF_KERNEL_DISPATCH(bf_slope, (const double *c, size_t n, size_t p, double *out), (c, n, p, out))
