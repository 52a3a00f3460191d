/* The arithmetic every path shares, as static inline steps. Each function states the order of
 * operations it follows (TA-Lib's, see docs/features.md); changing an order changes results in
 * the last bits. */
#ifndef BACKFILL_KERNEL_MATH_H
#define BACKFILL_KERNEL_MATH_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "backfill_kernels.h"
#include "kernel_table.h"

#define BF_INLINE static inline __attribute__((always_inline))

/* The paths a build has: on x86, NAME##_scalar (baseline ISA), NAME##_avx2 and NAME##_avx512
 * (their instruction sets enabled for those functions only; no global flags); on AArch64,
 * NAME##_scalar and NAME##_neon (Advanced SIMD is part of every AArch64 CPU Linux runs on: the
 * baseline, no attribute needed). */
#if defined(__x86_64__) || defined(__i386__)
#define BF_HAS_AVX2_BUILD 1
#define BF_HAS_NEON_BUILD 0
#define BF_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define BF_TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#elif defined(__aarch64__)
#define BF_HAS_AVX2_BUILD 0
#define BF_HAS_NEON_BUILD 1
#else
#define BF_HAS_AVX2_BUILD 0
#define BF_HAS_NEON_BUILD 0
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

/* Wilder smoothing: (prev · (n − 1) + x) / n, with the division done as a multiplication by the
 * precomputed 1/n (`inv_n`): the recurrence is one serial chain per bar, and a divide in it costs
 * more than everything else; the result stays within 1e-15 relative of TA-Lib's divide (which is
 * not bit-reproducible anyway, see docs/features.md). */
BF_INLINE double bf_wilder(double prev, double x, double n, double inv_n) {
    double t = prev * (n - 1.0);
    t = t + x;
    return t * inv_n;
}

/* The vector paths' Wilder step: (prev · (n − 1) + x) with one FMA, then · (1/n). Two operations
 * on the chain instead of three (a third less latency per bar); within one ulp of bf_wilder per
 * step, and the difference decays by (n − 1)/n a bar. `fused` picks it (the per-kernel entry
 * points and the fused pass use the same step on a path). */
BF_INLINE double bf_wilder_step(double prev, double x, double n, double inv_n, int fused) {
    return fused ? fma(prev, n - 1.0, x) * inv_n : bf_wilder(prev, x, n, inv_n);
}

/* Rolling population standard deviation in O(1) per bar: sums of (x − a) and (x − a)² over the
 * window with an anchor a, re-anchored on the newest value and recomputed from the window every
 * `period` bars, so rounding never accumulates over more than one window (relative error ~1e-15, far
 * inside TA-Lib's 1e-12; a plain E[x²] − E[x]² would lose digits). A window of identical values
 * is exactly 0. */
typedef struct bf_rolling_std {
    double anchor, s1, s2;
    size_t since_anchor;
} bf_rolling_std;

/* Starts or re-anchors on the window w[0..n): the anchor is the newest value (within a few
 * standard deviations of the mean, which keeps s2/n − (s1/n)² free of cancellation), and the sums
 * run in four independent partial chains so the re-anchoring costs little latency. */
BF_INLINE void bf_rolling_std_reset(bf_rolling_std *r, const double *w, size_t n) {
    r->anchor = w[n - 1];
    double s1[4] = {0, 0, 0, 0}, s2[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; k++) {
            double d = w[i + k] - r->anchor;
            s1[k] += d;
            s2[k] += d * d;
        }
    }
    for (; i < n; i++) {
        double d = w[i] - r->anchor;
        s1[0] += d;
        s2[0] += d * d;
    }
    r->s1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    r->s2 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
    r->since_anchor = 0;
}

/* Slides the window: `in` enters, `out` leaves; w_end points one past the new window's last.
 * Returns the variance (may be a tiny negative from rounding: the caller clamps at 0). */
BF_INLINE double bf_rolling_std_var(bf_rolling_std *r, double in, double out, const double *w_end, size_t n) {
    if (++r->since_anchor >= n) {
        bf_rolling_std_reset(r, w_end - n, n);
    } else {
        double di = in - r->anchor, dout = out - r->anchor;
        r->s1 += di - dout;
        r->s2 += di * di - dout * dout;
    }
    double inv_n = 1.0 / (double)n;
    double mean = r->s1 * inv_n;
    return r->s2 * inv_n - mean * mean;
}

/* The same, as a standard deviation. */
BF_INLINE double bf_rolling_std_step(bf_rolling_std *r, double in, double out, const double *w_end, size_t n) {
    double var = bf_rolling_std_var(r, in, out, w_end, n);
    return var > 0 ? sqrt(var) : 0.0;
}

/* Rolling least-squares slope in O(1) per bar: sums of y − a and x·(y − a) (x = 0 for the
 * oldest bar), slid exactly as the window moves and recomputed every `period` bars with a fresh
 * anchor a (the slope does not depend on a). Slope = (n·Σxy − Σx·Σy) / (n·Σx² − (Σx)²). */
typedef struct bf_rolling_slope {
    double anchor, sy, sxy;
    size_t since_anchor;
} bf_rolling_slope;

BF_INLINE void bf_rolling_slope_reset(bf_rolling_slope *r, const double *w, size_t n) {
    r->anchor = w[n - 1];
    double sy[4] = {0, 0, 0, 0}, sxy[4] = {0, 0, 0, 0};
    size_t x = 0;
    for (; x + 4 <= n; x += 4) {
        for (int k = 0; k < 4; k++) {
            double y = w[x + k] - r->anchor;
            sy[k] += y;
            sxy[k] += (double)(x + (size_t)k) * y;
        }
    }
    for (; x < n; x++) {
        double y = w[x] - r->anchor;
        sy[0] += y;
        sxy[0] += (double)x * y;
    }
    r->sy = (sy[0] + sy[1]) + (sy[2] + sy[3]);
    r->sxy = (sxy[0] + sxy[1]) + (sxy[2] + sxy[3]);
    r->since_anchor = 0;
}

BF_INLINE double bf_rolling_slope_value(const bf_rolling_slope *r, size_t n) {
    double sum_x = (double)n * (double)(n - 1) * 0.5;
    double sum_x_sqr = (double)n * (double)(n - 1) * (double)(2 * n - 1) / 6.0;
    double inv_divisor = 1.0 / ((double)n * sum_x_sqr - sum_x * sum_x);
    return ((double)n * r->sxy - sum_x * r->sy) * inv_divisor;
}

/* Slides the window by one bar; w_end points one past the new window's newest close. */
BF_INLINE double bf_rolling_slope_step(bf_rolling_slope *r, double in, double out, const double *w_end, size_t n) {
    if (++r->since_anchor >= n) {
        bf_rolling_slope_reset(r, w_end - n, n);
    } else {
        double yi = in - r->anchor, yo = out - r->anchor;
        /* every remaining bar moves one step older (x − 1); the new one enters at x = n − 1 */
        r->sxy = r->sxy - (r->sy - yo) + (double)(n - 1) * yi;
        r->sy = r->sy - yo + yi;
    }
    return bf_rolling_slope_value(r, n);
}

/* The slope of a window as a weighted sum of its p − 1 differences (vector_path.h):
 * w[j] = j·(p − j) for j = 1..p−1, and w[0] = 6 / (p·(p² − 1)), the scale. */
BF_INLINE void bf_slope_weights(double *w, size_t p) {
    w[0] = 6.0 / ((double)p * ((double)p * (double)p - 1.0));
    for (size_t j = 1; j < p; j++) w[j] = (double)j * (double)(p - j);
}

/* One lane of the vector paths' window variance and slope (vector_path.h), in the same order of
 * operations, for the per-kernel tails: each value is bit-identical to a vector lane's. */
BF_INLINE double bf_window_var_1(const double *x, size_t p) {
    double a = x[0], s1a = 0.0, s1b = 0.0, s2a = 0.0, s2b = 0.0;
    size_t k = 1;
    for (; k + 1 < p; k += 2) {
        double y = x[-(ptrdiff_t)k] - a, z = x[-(ptrdiff_t)k - 1] - a;
        s1a += y;
        s1b += z;
        s2a = fma(y, y, s2a);
        s2b = fma(z, z, s2b);
    }
    if (k < p) {
        double y = x[-(ptrdiff_t)k] - a;
        s1a += y;
        s2a = fma(y, y, s2a);
    }
    double inv_p = 1.0 / (double)p, mean = (s1a + s1b) * inv_p;
    return (s2a + s2b) * inv_p - mean * mean;
}

/* c points at the window's newest close; the differences are taken on the fly. */
BF_INLINE double bf_window_slope_1(const double *c, size_t p) {
    double acc_a = 0.0, acc_b = 0.0;
    size_t j = 1;
    for (; j + 1 < p; j += 2) {
        ptrdiff_t m = -(ptrdiff_t)(p - 1 - j);
        acc_a = fma(c[m] - c[m - 1], (double)j * (double)(p - j), acc_a);
        acc_b = fma(c[m + 1] - c[m], (double)(j + 1) * (double)(p - j - 1), acc_b);
    }
    if (j < p) {
        ptrdiff_t m = -(ptrdiff_t)(p - 1 - j);
        acc_a = fma(c[m] - c[m - 1], (double)j * (double)(p - j), acc_a);
    }
    return (acc_a + acc_b) * (6.0 / ((double)p * ((double)p * (double)p - 1.0)));
}

/* A bar the kernels accept: finite, positive prices, high >= low. */
BF_INLINE int bf_valid_bar(double o, double h, double l, double c) {
    return isfinite(o) && isfinite(h) && isfinite(l) && isfinite(c) && o > 0 && h > 0 && l > 0 && c > 0 && h >= l;
}

/* logret_1 on a vector path: out[i] = log(num[i] / den[i]) (vector_path.h). */
void bf_log_ratio_avx2(const double *num, const double *den, double *out, size_t n);
void bf_log_ratio_avx512(const double *num, const double *den, double *out, size_t n);
void bf_log_ratio_neon(const double *num, const double *den, double *out, size_t n);
/* vol and slope on a vector path (vector_path.h): per window, not rolling. */
void bf_vol_windows_avx2(const double *x, size_t n, size_t p, double *out);
void bf_vol_windows_avx512(const double *x, size_t n, size_t p, double *out);
void bf_vol_windows_neon(const double *x, size_t n, size_t p, double *out);
void bf_slope_windows_avx2(const double *c, size_t n, size_t p, double *out);
void bf_slope_windows_avx512(const double *c, size_t n, size_t p, double *out);
void bf_slope_windows_neon(const double *c, size_t n, size_t p, double *out);

/* The public entry NAME: one call through the active path's table (kernel_table.h). */
#define BF_KERNEL_DISPATCH(NAME, PARAMS, ARGS)                                                     \
    void NAME PARAMS { bf_active_kernels()->NAME ARGS; }

/* The vector paths' variants of a kernel: CALL is its body's call (with `1` for `vector`). */
#if BF_HAS_AVX2_BUILD
#define BF_VECTOR_VARIANTS(NAME, PARAMS, CALL)                                                     \
    BF_TARGET_AVX2 void NAME##_avx2 PARAMS { CALL; }                                               \
    BF_TARGET_AVX512 void NAME##_avx512 PARAMS { CALL; }
#elif BF_HAS_NEON_BUILD
#define BF_VECTOR_VARIANTS(NAME, PARAMS, CALL) void NAME##_neon PARAMS { CALL; }
#else
#define BF_VECTOR_VARIANTS(NAME, PARAMS, CALL)
#endif

/* A kernel whose body takes a trailing `int vector` (1 on the vector paths). */
#define BF_KERNEL_V(NAME, PARAMS, ARGS, ...)                                                       \
    void NAME##_scalar PARAMS { NAME##_body(__VA_ARGS__, 0); }                                     \
    BF_VECTOR_VARIANTS(NAME, PARAMS, NAME##_body(__VA_ARGS__, 1))                                  \
    BF_KERNEL_DISPATCH(NAME, PARAMS, ARGS)

/* A kernel whose one body serves every path (the compiler vectorizes it per target). */
#define BF_KERNEL(NAME, PARAMS, ARGS)                                                              \
    void NAME##_scalar PARAMS { NAME##_body ARGS; }                                                \
    BF_VECTOR_VARIANTS(NAME, PARAMS, NAME##_body ARGS)                                             \
    BF_KERNEL_DISPATCH(NAME, PARAMS, ARGS)

#endif
