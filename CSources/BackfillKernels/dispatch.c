/* Run-time path selection and the fused entry point (segmenting around invalid bars). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "features_v1.h"

#if BF_HAS_AVX2_BUILD
#include <cpuid.h>
#endif

static _Atomic int active_path = -1;

const char *bf_kernels_path_name(bf_kernel_path path) {
    switch (path) {
    case BF_PATH_SCALAR: return "scalar";
    case BF_PATH_AVX2: return "avx2";
    case BF_PATH_AVX512: return "avx512";
    case BF_PATH_NEON: return "neon";
    }
    return "unknown";
}

static int cpu_has_avx2_fma(void) {
#if BF_HAS_AVX2_BUILD
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    /* The OS must save the YMM state (XCR0 bits 1 and 2), checked with XGETBV. */
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 0x6) == 0x6;
#else
    return 0;
#endif
}

/* AVX-512 F, DQ and VL, and the OS saves the opmask and all 32 ZMM registers (XCR0 bits 5-7). */
static int cpu_has_avx512(void) {
#if BF_HAS_AVX2_BUILD
    if (!cpu_has_avx2_fma()) return 0;
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
        return 0;
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return (lo & 0xE6) == 0xE6;
#else
    return 0;
#endif
}

int bf_kernels_path_available(bf_kernel_path path) {
    switch (path) {
    case BF_PATH_SCALAR: return 1;
    case BF_PATH_AVX2: return cpu_has_avx2_fma();
    case BF_PATH_AVX512: return cpu_has_avx512();
    /* A slot for a path that ships once a test has run it on a CPU that has it. */
    case BF_PATH_NEON: return 0;
    }
    return 0;
}

static int choose_path(void) {
    const char *forced = getenv("BACKFILL_KERNELS");
    if (forced != NULL && forced[0] != '\0') {
        for (int p = BF_PATH_SCALAR; p <= BF_PATH_NEON; p++) {
            if (strcmp(forced, bf_kernels_path_name((bf_kernel_path)p)) == 0 && bf_kernels_path_available((bf_kernel_path)p))
                return p;
        }
        /* An unavailable forced path falls back to scalar: always correct, never a crash. The
         * host checks BACKFILL_KERNELS itself and tells the user. */
        return BF_PATH_SCALAR;
    }
    if (bf_kernels_path_available(BF_PATH_AVX512)) return BF_PATH_AVX512;
    return bf_kernels_path_available(BF_PATH_AVX2) ? BF_PATH_AVX2 : BF_PATH_SCALAR;
}

bf_kernel_path bf_kernels_active_path(void) {
    int p = atomic_load_explicit(&active_path, memory_order_acquire);
    if (p < 0) {
        p = choose_path();
        atomic_store_explicit(&active_path, p, memory_order_release);
    }
    return (bf_kernel_path)p;
}

int bf_kernels_use_path(bf_kernel_path path) {
    if (!bf_kernels_path_available(path)) return 0;
    atomic_store_explicit(&active_path, (int)path, memory_order_release);
    return 1;
}

void bf_features_v1_path(bf_kernel_path path, bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    bf_v1_run_fn run = bf_v1_run_scalar;
#if BF_HAS_AVX2_BUILD
    if (path == BF_PATH_AVX512 && bf_kernels_path_available(BF_PATH_AVX512)) run = bf_v1_run_avx512;
    else if (path == BF_PATH_AVX2 && bf_kernels_path_available(BF_PATH_AVX2)) run = bf_v1_run_avx2;
#endif
    size_t t = 0;
    while (t < n) {
        if (!bf_valid_bar(in.open[t], in.high[t], in.low[t], in.close[t])) {
            for (int k = 0; k < BF_FEATURE_COUNT; k++) out[k][t] = NAN;
            t++;
            continue;
        }
        /* A run from a valid bar to the next invalid one (or the end), as its own series. */
        bf_ohlc seg = {in.open + t, in.high + t, in.low + t, in.close + t};
        double *seg_out[BF_FEATURE_COUNT];
        for (int k = 0; k < BF_FEATURE_COUNT; k++) seg_out[k] = out[k] + t;
        t += run(seg, n - t, seg_out);
    }
}

void bf_features_v1(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    bf_features_v1_path(bf_kernels_active_path(), in, n, out);
}

void bf_bench_trivial_pass(bf_ohlc in, const double *volume, size_t n, double *const out[BF_FEATURE_COUNT]) {
    for (size_t t = 0; t < n; t++) {
        double s = in.open[t] + in.high[t] + in.low[t] + in.close[t] + volume[t];
        for (int k = 0; k < BF_FEATURE_COUNT; k++) out[k][t] = s;
    }
}

void bf_bench_triad(double *a, const double *b, const double *c, double s, size_t n) {
    for (size_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
}
