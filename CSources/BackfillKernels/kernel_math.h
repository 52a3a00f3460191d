/* The arithmetic every path shares, as static inline steps. Each function states the order of
 * operations it follows (TA-Lib's, see docs/features.md); changing an order changes results in
 * the last bits. */
#ifndef BACKFILL_KERNEL_MATH_H
#define BACKFILL_KERNEL_MATH_H

#include <math.h>
#include <stddef.h>

#include "backfill_kernels.h"

#define BF_INLINE static inline __attribute__((always_inline))

/* Instantiates a function for each path: NAME##_scalar (baseline ISA) and NAME##_avx2 (AVX2 and
 * FMA enabled for this function only; no global flags). */
#if defined(__x86_64__) || defined(__i386__)
#define BF_HAS_AVX2_BUILD 1
#define BF_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define BF_HAS_AVX2_BUILD 0
#define BF_TARGET_AVX2
#endif

/* True range (t >= 1): max(h − l, |c₋₁ − h|, |c₋₁ − l|), compared in that order with strict >. */
BF_INLINE double bf_true_range(double h, double l, double prev_close) {
    double tr = h - l;
    double a = fabs(prev_close - h);
    double b = fabs(prev_close - l);
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    return tr;
}

/* Wilder smoothing: (prev · (n − 1) + x) / n, as three steps. */
BF_INLINE double bf_wilder(double prev, double x, double n) {
    double t = prev * (n - 1.0);
    t = t + x;
    return t / n;
}

/* Population standard deviation of w[0..n), two-pass (mean first, then squared deviations). */
BF_INLINE double bf_window_stddev(const double *w, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += w[i];
    double mean = sum / (double)n;
    double m2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = w[i] - mean;
        m2 += d * d;
    }
    return sqrt(m2 / (double)n);
}

/* Least-squares slope of y = c[t−n+1 .. t] in price per bar (TA-Lib's form: x counts bars ago,
 * SumXY = Σ x·c[t−x], divisor (ΣX)² − n·ΣX², slope = (n·SumXY − ΣX·SumY) / divisor). */
BF_INLINE double bf_window_slope(const double *c_end, size_t n) {
    double sum_x = (double)n * (double)(n - 1) * 0.5;
    double sum_x_sqr = (double)n * (double)(n - 1) * (double)(2 * n - 1) / 6.0;
    double divisor = sum_x * sum_x - (double)n * sum_x_sqr;
    double sum_xy = 0.0, sum_y = 0.0;
    for (size_t x = n; x-- > 0;) {
        double y = c_end[-(ptrdiff_t)x];
        sum_y += y;
        sum_xy += (double)x * y;
    }
    return ((double)n * sum_xy - sum_x * sum_y) / divisor;
}

/* A bar the kernels accept: finite, positive prices, high >= low. */
BF_INLINE int bf_valid_bar(double o, double h, double l, double c) {
    return isfinite(o) && isfinite(h) && isfinite(l) && isfinite(c) && o > 0 && h > 0 && l > 0 && c > 0 && h >= l;
}

/* Path plumbing (dispatch.c). */
typedef void (*bf_features_fn)(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]);
void bf_features_segment_scalar(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]);
void bf_features_segment_avx2(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]);

#endif

/* Defines NAME (dispatching), NAME##_scalar and NAME##_avx2 around one always-inline body
 * `NAME##_body` with parameter list PARAMS and argument list ARGS. */
#define BF_KERNEL(NAME, PARAMS, ARGS)                                                              \
    static void NAME##_scalar PARAMS { NAME##_body ARGS; }                                         \
    BF_TARGET_AVX2 static void NAME##_avx2 PARAMS { NAME##_body ARGS; }                            \
    void NAME PARAMS {                                                                             \
        if (bf_kernels_active_path() == BF_PATH_AVX2) NAME##_avx2 ARGS;                            \
        else NAME##_scalar ARGS;                                                                   \
    }
