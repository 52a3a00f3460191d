/* vol = population standard deviation (ddof 0) of x[t−p+1..t] (TA-Lib 0.8.1 matches a two-pass
 * np.std to 4e-15); exactly 0 for a window of identical values. Input: log returns (x[0] NaN),
 * so the first value is at index p. The scalar path keeps rolling sums re-anchored every p bars
 * (bf_rolling_std); the vector paths sum each window from its newest value (vector_path.h),
 * lane for lane what the fused pass computes. */
#include "kernel_math.h"

size_t bf_lookback_vol(size_t p) { return p; }

BF_INLINE void bf_vol_body(const double *x, size_t n, size_t p, double *out) {
    size_t same = 0;
    bf_rolling_std r = {0};
    for (size_t t = 0; t < n; t++) {
        same = (t >= 2 && x[t] == x[t - 1]) ? same + 1 : 1;
        if (t < p || p == 0) {
            out[t] = NAN;
            continue;
        }
        double v;
        if (t == p) {
            bf_rolling_std_reset(&r, x + 1, p);
            double mean = r.s1 * (1.0 / (double)p), var = r.s2 * (1.0 / (double)p) - mean * mean;
            v = var > 0 ? sqrt(var) : 0.0;
        } else {
            v = bf_rolling_std_step(&r, x[t], x[t - p], x + t + 1, p);
        }
        out[t] = same >= p ? 0.0 : v;
    }
}

void bf_vol_scalar(const double *x, size_t n, size_t p, double *out) { bf_vol_body(x, n, p, out); }

BF_KERNEL_DISPATCH(bf_vol, (const double *x, size_t n, size_t p, double *out), (x, n, p, out))
