/* The feature kernels' correctness checks in C, for a machine Swift cannot run the tests on: CI
 * cross-compiles this file and the kernel sources for AArch64 and runs it under qemu-aarch64, so
 * the NEON path is proven on the same vectors as the x86 paths (KernelTests.swift has the same
 * rules; this runs natively too, over every path the CPU has).
 *
 *   kernel_check FIXTURES_DIR      (Tests/Fixtures/features: TA-Lib's outputs, make_reference.py)
 *
 * Per available path: every value written; TA-Lib within the stated tolerance with its leading
 * NaNs; ret_1 and sma_20 bit-exact (logret_1 too on the scalar path); a vector path within 1e-12
 * of the scalar one, and its exact fallbacks on big moves and extreme price levels; invalid bars
 * breaking a series; the per-kernel
 * entry points equal the fused pass bit for bit; a stream in chunks equals one pass bit for bit.
 * Prints one line per path and series, exits 1 on any failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill_kernels.h"

#define NF BF_FEATURE_COUNT
static const char *names[NF] = {"ret_1", "logret_1", "vol_20", "atr_14", "natr_14", "sma_20", "ema_20", "rsi_14", "slope_20"};
static const double sentinel = 12345.678;
static int failures = 0, checks = 0;

typedef struct series {
    size_t n;
    double *o, *h, *l, *c, *talib[NF];
} series;

static void fail(const char *what) {
    if (failures < 40) fprintf(stderr, "FAIL %s\n", what);
    failures++;
}

static double *column(size_t n) {
    double *p = malloc((n ? n : 1) * sizeof(double));
    if (!p) exit(2);
    return p;
}

/* The fixture's rows: ts, o, h, l, c, then TA-Lib's nine columns (empty: NaN). */
static int load(const char *path, series *s) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t cap = 1024, n = 0;
    char line[4096];
    memset(s, 0, sizeof *s);
    double **cols[4 + NF] = {&s->o, &s->h, &s->l, &s->c};
    for (int k = 0; k < NF; k++) cols[4 + k] = &s->talib[k];
    for (int k = 0; k < 4 + NF; k++) *cols[k] = column(cap);
    if (!fgets(line, sizeof line, f)) return -1; /* header */
    while (fgets(line, sizeof line, f)) {
        if (n == cap) {
            cap *= 2;
            for (int k = 0; k < 4 + NF; k++) *cols[k] = realloc(*cols[k], cap * sizeof(double));
        }
        char *p = strchr(line, ','); /* after ts */
        for (int k = 0; k < 4 + NF && p; k++) {
            p++;
            (*cols[k])[n] = (*p == ',' || *p == '\n' || *p == '\0') ? NAN : strtod(p, NULL);
            p = strchr(p, ',');
        }
        n++;
    }
    fclose(f);
    s->n = n;
    return 0;
}

static int same_bits(double a, double b) { return isnan(a) ? isnan(b) : memcmp(&a, &b, sizeof a) == 0; }

/* The tolerances of shared/research/feature-formulas.md (KernelTests.swift: withinTolerance). */
static int within_talib(int k, double ours, double talib, const double *c, size_t t) {
    if (isnan(ours) || isnan(talib)) return isnan(ours) && isnan(talib);
    double diff = fabs(ours - talib);
    if (k == BF_F_VOL_20) return diff <= 1e-12 * fabs(talib) + 1e-18;
    if (k == BF_F_SLOPE_20) {
        double m = 0;
        for (size_t i = t >= 19 ? t - 19 : 0; i <= t; i++) m = fabs(c[i]) > m ? fabs(c[i]) : m;
        return diff <= 1e-13 * (m > 0 ? m : 1);
    }
    return diff <= 1e-12 * (fabs(talib) > 1 ? fabs(talib) : 1);
}

static void compute(bf_kernel_path path, const series *s, double *out[NF]) {
    for (int k = 0; k < NF; k++) {
        out[k] = column(s->n);
        for (size_t t = 0; t < s->n; t++) out[k][t] = sentinel;
    }
    bf_ohlc in = {s->o, s->h, s->l, s->c};
    bf_features_v1_path(path, in, s->n, out);
}

static void release(double *out[NF]) {
    for (int k = 0; k < NF; k++) free(out[k]);
}

/* `a` (a vector path) within 1e-12 of `b` (the scalar one), NaN where it is NaN. */
static void near_scalar(const char *label, double *a[NF], double *b[NF], size_t n) {
    char what[256];
    for (int k = 0; k < NF; k++) {
        size_t bad = 0, first = 0;
        for (size_t t = 0; t < n; t++) {
            double x = a[k][t], y = b[k][t];
            int ok = (isnan(x) || isnan(y)) ? (isnan(x) && isnan(y)) : fabs(x - y) <= 1e-12 * (fabs(y) > 1 ? fabs(y) : 1) + 1e-18;
            if (!ok && bad++ == 0) first = t;
        }
        checks++;
        if (bad) {
            snprintf(what, sizeof what, "%s %s: %zu values off the scalar path, first at %zu: %.17g vs %.17g", label, names[k], bad,
                     first, a[k][first], b[k][first]);
            fail(what);
        }
    }
}

static void check_series(bf_kernel_path path, const char *name, const series *s) {
    char what[256];
    const char *p = bf_kernels_path_name(path);
    double *out[NF];
    compute(path, s, out);
    for (int k = 0; k < NF; k++) {
        size_t bad = 0, unwritten = 0, first = 0;
        for (size_t t = 0; t < s->n; t++) {
            if (out[k][t] == sentinel) unwritten++;
            if (!within_talib(k, out[k][t], s->talib[k][t], s->c, t) && bad++ == 0) first = t;
        }
        checks += 2;
        if (unwritten) {
            snprintf(what, sizeof what, "%s %s %s: %zu values not written", p, name, names[k], unwritten);
            fail(what);
        }
        if (bad) {
            snprintf(what, sizeof what, "%s %s %s: %zu values off TA-Lib, first at %zu: ours %.17g talib %.17g", p, name, names[k], bad,
                     first, out[k][first], s->talib[k][first]);
            fail(what);
        }
        int exact = k == BF_F_RET_1 || k == BF_F_SMA_20 || (k == BF_F_LOGRET_1 && path == BF_PATH_SCALAR);
        if (exact) {
            checks++;
            for (size_t t = 0; t < s->n; t++) {
                if (!same_bits(out[k][t], s->talib[k][t])) {
                    snprintf(what, sizeof what, "%s %s %s not bit-exact at %zu", p, name, names[k], t);
                    fail(what);
                    break;
                }
            }
        }
    }
    if (path != BF_PATH_SCALAR) {
        double *ref[NF];
        compute(BF_PATH_SCALAR, s, ref);
        char label[64];
        snprintf(label, sizeof label, "%s %s", p, name);
        near_scalar(label, out, ref, s->n);
        release(ref);
    }
    release(out);
    printf("%s %s: %zu bars checked\n", p, name, s->n);
}

/* The per-kernel entry points of `path` give the fused pass's bits. */
static void check_per_kernel(bf_kernel_path path, const series *s) {
    char what[256];
    double *fused[NF], *k_out[NF];
    compute(path, s, fused);
    for (int k = 0; k < NF; k++) k_out[k] = column(s->n);
    if (!bf_kernels_use_path(path)) {
        fail("bf_kernels_use_path refused an available path");
        return;
    }
    size_t n = s->n;
    bf_ret(s->c, n, k_out[BF_F_RET_1], k_out[BF_F_LOGRET_1]);
    bf_vol(k_out[BF_F_LOGRET_1], n, 20, k_out[BF_F_VOL_20]);
    bf_atr(s->h, s->l, s->c, n, 14, k_out[BF_F_ATR_14], k_out[BF_F_NATR_14]);
    bf_sma(s->c, n, 20, k_out[BF_F_SMA_20]);
    bf_ema(s->c, n, 20, k_out[BF_F_EMA_20]);
    bf_rsi(s->c, n, 14, k_out[BF_F_RSI_14]);
    bf_slope(s->c, n, 20, k_out[BF_F_SLOPE_20]);
    for (int k = 0; k < NF; k++) {
        checks++;
        for (size_t t = 0; t < n; t++) {
            if (!same_bits(k_out[k][t], fused[k][t])) {
                snprintf(what, sizeof what, "%s per-kernel %s differs from the fused pass at %zu", bf_kernels_path_name(path),
                         names[k], t);
                fail(what);
                break;
            }
        }
    }
    release(fused);
    release(k_out);
}

/* A stream in chunks of `chunk` bars gives one pass's bits. */
static void check_stream(bf_kernel_path path, const series *s, size_t chunk) {
    char what[256];
    double *whole[NF], *part[NF], *buf[NF];
    compute(path, s, whole);
    size_t h = BF_V1_STREAM_HISTORY;
    for (int k = 0; k < NF; k++) {
        part[k] = column(s->n);
        buf[k] = column(h + chunk);
    }
    double *o = column(h + chunk), *hi = column(h + chunk), *lo = column(h + chunk), *c = column(h + chunk);
    bf_v1_stream st;
    bf_v1_stream_init(&st, path);
    for (size_t at = 0; at < s->n; at += chunk) {
        size_t m = s->n - at < chunk ? s->n - at : chunk, hist = at < h ? at : h;
        for (size_t i = 0; i < hist + m; i++) {
            size_t t = at - hist + i;
            o[i] = s->o[t], hi[i] = s->h[t], lo[i] = s->l[t], c[i] = s->c[t];
        }
        bf_ohlc in = {o, hi, lo, c};
        if (bf_features_v1_stream(&st, in, hist, m, buf) != 0) {
            fail("bf_features_v1_stream refused a chunk");
            break;
        }
        for (int k = 0; k < NF; k++) memcpy(part[k] + at, buf[k] + hist, m * sizeof(double));
    }
    for (int k = 0; k < NF; k++) {
        checks++;
        for (size_t t = 0; t < s->n; t++) {
            if (!same_bits(part[k][t], whole[k][t])) {
                snprintf(what, sizeof what, "%s stream of %zu-bar chunks: %s differs at %zu", bf_kernels_path_name(path), chunk,
                         names[k], t);
                fail(what);
                break;
            }
        }
    }
    release(whole);
    release(part);
    release(buf);
    free(o), free(hi), free(lo), free(c);
}

/* Big moves (±30 %) and price levels near 1e-200 and 1e200: the exact fallbacks of the
 * reciprocal and the log series (KernelTests.swift: vectorFallbacks). Against the scalar path:
 * ret_1, sma_20, ema_20 bit-identical; natr_14 exactly atr / close · 100; atr_14 within 1e-12;
 * logret_1 within 2 ulp (±inf where the ratio overflows). */
static void check_fallbacks(bf_kernel_path path) {
    char what[256];
    const char *p = bf_kernels_path_name(path);
    size_t n = 3000;
    series s = {n, column(n), column(n), column(n), column(n), {0}};
    double price = 50;
    for (size_t t = 0; t < n; t++) {
        double level = t < 1000 ? 1.0 : (t < 2000 ? 1e-200 : 1e200);
        double move = t % 7 == 3 ? 1.3 : (t % 7 == 5 ? 0.7 : 1.0 + 0.001 * ((double)(t % 5) - 2));
        double open = price;
        price *= move;
        s.o[t] = open * level, s.c[t] = price * level;
        s.h[t] = (open > price ? open : price) * 1.01 * level, s.l[t] = (open < price ? open : price) * 0.99 * level;
    }
    double *v[NF], *r[NF];
    compute(path, &s, v);
    compute(BF_PATH_SCALAR, &s, r);
    int exact[] = {BF_F_RET_1, BF_F_SMA_20, BF_F_EMA_20};
    for (int i = 0; i < 3; i++) {
        checks++;
        for (size_t t = 0; t < n; t++) {
            if (!same_bits(v[exact[i]][t], r[exact[i]][t])) {
                snprintf(what, sizeof what, "%s fallbacks: %s not bit-identical to scalar at %zu", p, names[exact[i]], t);
                fail(what);
                break;
            }
        }
    }
    checks += 3;
    for (size_t t = 0; t < n; t++) {
        double atr = v[BF_F_ATR_14][t], natr = v[BF_F_NATR_14][t];
        if (!(isnan(natr) ? isnan(atr) : same_bits(natr, (atr / s.c[t]) * 100))) {
            snprintf(what, sizeof what, "%s fallbacks: natr_14 is not atr / close · 100 at %zu", p, t);
            fail(what);
            break;
        }
        if (t >= 14 && !(fabs(atr - r[BF_F_ATR_14][t]) <= 1e-12 * fabs(r[BF_F_ATR_14][t]))) {
            snprintf(what, sizeof what, "%s fallbacks: atr_14 at %zu: %.17g vs %.17g", p, t, atr, r[BF_F_ATR_14][t]);
            fail(what);
            break;
        }
        double a = v[BF_F_LOGRET_1][t], b = r[BF_F_LOGRET_1][t];
        if (t >= 1 && !(a == b || fabs(a - b) <= 4.5e-16 * fabs(b))) {
            snprintf(what, sizeof what, "%s fallbacks: logret_1 at %zu: %.17g vs %.17g", p, t, a, b);
            fail(what);
            break;
        }
    }
    release(v);
    release(r);
    free(s.o), free(s.h), free(s.l), free(s.c);
}

/* A NaN close and a zero low break the series (KernelTests.swift: invalidBars): NaN at those
 * bars, the values before unchanged, the tail after equal to the tail computed alone. */
static void check_invalid(bf_kernel_path path, const series *ref) {
    char what[256];
    const char *p = bf_kernels_path_name(path);
    size_t n = ref->n, bad = 3000, start = bad + 501;
    double *full[NF], *out[NF], *alone[NF];
    compute(path, ref, full);
    series s = {n, column(n), column(n), column(n), column(n), {0}};
    memcpy(s.o, ref->o, n * sizeof(double)), memcpy(s.h, ref->h, n * sizeof(double));
    memcpy(s.l, ref->l, n * sizeof(double)), memcpy(s.c, ref->c, n * sizeof(double));
    s.c[bad] = NAN;
    s.l[bad + 500] = 0;
    compute(path, &s, out);
    series tail = {n - start, s.o + start, s.h + start, s.l + start, s.c + start, {0}};
    compute(path, &tail, alone);
    for (int k = 0; k < NF; k++) {
        checks += 3;
        for (size_t t = 0; t < bad; t++) {
            if (!same_bits(out[k][t], full[k][t])) {
                snprintf(what, sizeof what, "%s invalid bars: %s changed before the bad bar, at %zu", p, names[k], t);
                fail(what);
                break;
            }
        }
        if (!isnan(out[k][bad]) || !isnan(out[k][bad + 500]) || isnan(out[k][n - 1])) {
            snprintf(what, sizeof what, "%s invalid bars: %s not NaN at the bad bars, or poisoned after", p, names[k]);
            fail(what);
        }
        for (size_t t = 0; t < tail.n; t++) {
            if (!same_bits(out[k][start + t], alone[k][t])) {
                snprintf(what, sizeof what, "%s invalid bars: %s after the break differs from the tail alone at %zu", p, names[k], t);
                fail(what);
                break;
            }
        }
    }
    release(full), release(out), release(alone);
    free(s.o), free(s.h), free(s.l), free(s.c);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: kernel_check FIXTURES_DIR\n");
        return 2;
    }
    const char *files[] = {"spy_1d", "nvda_1d", "btcperp_1m"};
    series s[3];
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.csv", argv[1], files[i]);
        if (load(path, &s[i]) != 0 || s[i].n == 0) {
            fprintf(stderr, "kernel_check: cannot read %s\n", path);
            return 2;
        }
    }
    int paths = 0;
    for (int p = BF_PATH_SCALAR; p <= BF_PATH_NEON; p++) {
        if (!bf_kernels_path_available((bf_kernel_path)p)) continue;
        paths++;
        for (int i = 0; i < 3; i++) check_series((bf_kernel_path)p, files[i], &s[i]);
        check_per_kernel((bf_kernel_path)p, &s[0]);
        size_t chunks[] = {1, 7, 33, 257, 1000};
        for (int i = 0; i < 5; i++) check_stream((bf_kernel_path)p, &s[2], chunks[i]);
        if (p != BF_PATH_SCALAR) check_fallbacks((bf_kernel_path)p);
        check_invalid((bf_kernel_path)p, &s[0]);
        printf("path %s: per-kernel, stream, fallbacks and invalid bars checked\n", bf_kernels_path_name((bf_kernel_path)p));
    }
    printf("kernel_check: %d paths, %d checks, %d failures\n", paths, checks, failures);
    return failures ? 1 : 0;
}
