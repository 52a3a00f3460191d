/* The fused feature pass on a series that stays in cache (default 4,096 bars, 13 columns: about
 * 420 KiB, L2), many times over: what the arithmetic costs without the memory system, for A/B of
 * kernel shapes. Median of 9 rounds, the active path (BACKFILL_KERNELS forces one):
 *   K=CSources/BackfillKernels
 *   clang -O2 [-DBF_AVX2_LANES=4] -I $K/include -I $K benchmarks/fused_in_cache.c $K/[a-z]*.c -lm -o /tmp/fic
 *   BACKFILL_KERNELS=avx2 /tmp/fic [BARS] [REPETITIONS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "backfill_kernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double *column(size_t n) {
    double *p = aligned_alloc(64, (n * sizeof(double) + 63) & ~(size_t)63);
    if (!p) exit(1);
    return p;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 4096;
    int reps = argc > 2 ? atoi(argv[2]) : 3000;
    double *o = column(n), *h = column(n), *l = column(n), *c = column(n), *out[BF_FEATURE_COUNT];
    for (int k = 0; k < BF_FEATURE_COUNT; k++) out[k] = column(n);
    unsigned long long s = 1;
    double p = 100;
    for (size_t t = 0; t < n; t++) { /* a seeded random walk, moves under 1 % */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) / 9007199254740992.0;
        o[t] = p;
        p *= 1 + (u - 0.5) * 0.02;
        c[t] = p;
        h[t] = fmax(o[t], c[t]) * 1.001;
        l[t] = fmin(o[t], c[t]) * 0.999;
    }
    bf_ohlc in = {o, h, l, c};
    double rate[9];
    for (int r = 0; r < 9; r++) {
        double t0 = now();
        for (int i = 0; i < reps; i++) bf_features_v1(in, n, out);
        rate[r] = (double)n * reps / (now() - t0) / 1e6;
    }
    qsort(rate, 9, sizeof(double), by_value);
    printf("%s, %zu bars in cache: median %.1f M bars/s (min %.1f, max %.1f)\n", bf_kernels_path_name(bf_kernels_active_path()), n,
           rate[4], rate[0], rate[8]);
    return 0;
}
