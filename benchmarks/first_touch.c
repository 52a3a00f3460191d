/* What first touch costs the fused feature pass: the same 10 M bars written into output columns
 * that are (1) already touched, (2) fresh 4 KiB pages, first touched by the kernel, (3) fresh and
 * advised as transparent huge pages (what FeatureBatch does for columns of 4 MiB or more).
 *   clang -O2 -I CSources/BackfillKernels/include -I CSources/BackfillKernels benchmarks/first_touch.c \
 *      CSources/BackfillKernels/[a-z]*.c -lm -o /tmp/ft && /tmp/ft [BARS]
 * Median of 5 runs each, the active kernel path (BACKFILL_KERNELS forces one). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "backfill_kernels.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A 2 MiB-aligned column, advised for huge pages or against them. */
static double *column(size_t n, int huge) {
    size_t bytes = (n * sizeof(double) + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    void *p = aligned_alloc(2u << 20, bytes);
    if (!p) exit(1);
    madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    return p;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000;
    double *o = column(n, 0), *h = column(n, 0), *l = column(n, 0), *c = column(n, 0);
    unsigned long long s = 1;
    double price = 100;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0, open = price;
        price *= exp((u - 0.5) * 0.02);
        o[i] = open, c[i] = price, h[i] = fmax(open, price) * 1.001, l[i] = fmin(open, price) * 0.999;
    }
    bf_ohlc in = {o, h, l, c};
    const char *names[3] = {"pre-touched columns", "fresh columns, 4 KiB pages", "fresh columns, huge pages (MADV_HUGEPAGE)"};
    for (int mode = 0; mode < 3; mode++) {
        double t[5];
        for (int r = 0; r < 5; r++) {
            double *out[BF_FEATURE_COUNT];
            for (int k = 0; k < BF_FEATURE_COUNT; k++) {
                out[k] = column(n, mode == 2);
                if (mode == 0) memset(out[k], 0, n * sizeof(double));
            }
            double t0 = now();
            bf_features_v1(in, n, out);
            t[r] = now() - t0;
            for (int k = 0; k < BF_FEATURE_COUNT; k++) free(out[k]);
        }
        qsort(t, 5, sizeof t[0], by_value);
        printf("%s (%s): %.1f M bars/s\n", names[mode], bf_kernels_path_name(bf_kernels_active_path()), n / t[2] / 1e6);
    }
    return 0;
}
