/* vol = population standard deviation (ddof 0) of x[t−p+1..t], two-pass per window (TA-Lib 0.8.1
 * matches a two-pass np.std to 4e-15; E[x²] − E[x]² would lose digits); exactly 0 for a window of
 * identical values. Input: log returns (x[0] NaN), so the first value is at index p. */
#include "kernel_math.h"

size_t bf_lookback_vol(size_t p) { return p; }

BF_INLINE void bf_vol_body(const double *x, size_t n, size_t p, double *out) {
    size_t same = 0;
    for (size_t t = 0; t < n; t++) {
        same = (t >= 2 && x[t] == x[t - 1]) ? same + 1 : 1;
        if (t < p || p == 0) {
            out[t] = NAN;
            continue;
        }
        out[t] = same >= p ? 0.0 : bf_window_stddev(x + t + 1 - p, p);
    }
}

BF_KERNEL(bf_vol, (const double *x, size_t n, size_t p, double *out), (x, n, p, out))
