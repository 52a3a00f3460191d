/* Run-time path selection and the fused entry point (segmenting around invalid bars).
 *
 * Each path is one table of function pointers (kernel_table.h). What the CPU and the OS can run
 * is checked once; the active table is chosen once (BACKFILL_KERNELS, else the best available)
 * and every public entry point calls through it. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "features_v1.h"

#if BF_HAS_AVX2_BUILD
#include <cpuid.h>
#endif

static const bf_kernel_table scalar_table = {
    BF_PATH_SCALAR, bf_ret_scalar, bf_vol_scalar, bf_atr_scalar, bf_sma_scalar,
    bf_ema_scalar,  bf_rsi_scalar, bf_slope_scalar, bf_v1_run_scalar,
};
#if BF_HAS_AVX2_BUILD
static const bf_kernel_table avx2_table = {
    BF_PATH_AVX2,  bf_ret_avx2, bf_vol_windows_avx2, bf_atr_avx2,   bf_sma_avx2,
    bf_ema_avx2,   bf_rsi_avx2, bf_slope_windows_avx2, bf_v1_run_avx2,
};
static const bf_kernel_table avx512_table = {
    BF_PATH_AVX512, bf_ret_avx512, bf_vol_windows_avx512, bf_atr_avx512,   bf_sma_avx512,
    bf_ema_avx512,  bf_rsi_avx512, bf_slope_windows_avx512, bf_v1_run_avx512,
};
#endif
#if BF_HAS_NEON_BUILD
static const bf_kernel_table neon_table = {
    BF_PATH_NEON, bf_ret_neon, bf_vol_windows_neon, bf_atr_neon,   bf_sma_neon,
    bf_ema_neon,  bf_rsi_neon, bf_slope_windows_neon, bf_v1_run_neon,
};
#endif

const char *bf_kernels_path_name(bf_kernel_path path) {
    switch (path) {
    case BF_PATH_SCALAR: return "scalar";
    case BF_PATH_AVX2: return "avx2";
    case BF_PATH_AVX512: return "avx512";
    case BF_PATH_NEON: return "neon";
    }
    return "unknown";
}

#if BF_HAS_AVX2_BUILD
static unsigned int xcr0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return lo;
}

/* AVX2 and FMA, and the OS saves the YMM state (XCR0 bits 1 and 2). */
static int cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0; /* OSXSAVE, for XGETBV */
    return (xcr0() & 0x6) == 0x6;
}

/* AVX-512 F, DQ and VL, and the OS saves the opmask and all 32 ZMM registers (XCR0 bits 5-7). */
static int cpu_has_avx512(void) {
    if (!cpu_has_avx2_fma()) return 0;
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
        return 0;
    return (xcr0() & 0xE6) == 0xE6;
}
#endif

/* Bit p set: path p runs here. Checked once (-1 until then). */
static _Atomic int available_paths = -1;

static int available_mask(void) {
    int mask = atomic_load_explicit(&available_paths, memory_order_acquire);
    if (mask >= 0) return mask;
    mask = 1 << BF_PATH_SCALAR;
#if BF_HAS_AVX2_BUILD
    if (cpu_has_avx2_fma()) mask |= 1 << BF_PATH_AVX2;
    if (cpu_has_avx512()) mask |= 1 << BF_PATH_AVX512;
#endif
#if BF_HAS_NEON_BUILD
    /* Advanced SIMD (with double lanes and FMA) is mandatory in ARMv8-A: every AArch64 Linux CPU. */
    mask |= 1 << BF_PATH_NEON;
#endif
    atomic_store_explicit(&available_paths, mask, memory_order_release);
    return mask;
}

int bf_kernels_path_available(bf_kernel_path path) {
    return (int)path >= 0 && (int)path <= BF_PATH_NEON && (available_mask() >> (int)path & 1);
}

/* The table of `path`, or the scalar one when this build or CPU cannot run it. */
static const bf_kernel_table *table_for(bf_kernel_path path) {
    if (!bf_kernels_path_available(path)) return &scalar_table;
#if BF_HAS_AVX2_BUILD
    if (path == BF_PATH_AVX512) return &avx512_table;
    if (path == BF_PATH_AVX2) return &avx2_table;
#endif
#if BF_HAS_NEON_BUILD
    if (path == BF_PATH_NEON) return &neon_table;
#endif
    return &scalar_table;
}

static bf_kernel_path choose_path(void) {
    const char *forced = getenv("BACKFILL_KERNELS");
    if (forced != NULL && forced[0] != '\0') {
        for (int p = BF_PATH_SCALAR; p <= BF_PATH_NEON; p++) {
            if (strcmp(forced, bf_kernels_path_name((bf_kernel_path)p)) == 0) return table_for((bf_kernel_path)p)->path;
        }
        /* An unknown or unavailable forced path falls back to scalar: always correct, never a
         * crash. The host checks BACKFILL_KERNELS itself and tells the user. */
        return BF_PATH_SCALAR;
    }
    if (bf_kernels_path_available(BF_PATH_AVX512)) return BF_PATH_AVX512;
    if (bf_kernels_path_available(BF_PATH_NEON)) return BF_PATH_NEON;
    return bf_kernels_path_available(BF_PATH_AVX2) ? BF_PATH_AVX2 : BF_PATH_SCALAR;
}

static _Atomic(const bf_kernel_table *) active_table = NULL;

const bf_kernel_table *bf_active_kernels(void) {
    const bf_kernel_table *t = atomic_load_explicit(&active_table, memory_order_acquire);
    if (t == NULL) {
        t = table_for(choose_path());
        atomic_store_explicit(&active_table, t, memory_order_release);
    }
    return t;
}

bf_kernel_path bf_kernels_active_path(void) { return bf_active_kernels()->path; }

int bf_kernels_use_path(bf_kernel_path path) {
    if (!bf_kernels_path_available(path)) return 0;
    atomic_store_explicit(&active_table, table_for(path), memory_order_release);
    return 1;
}

/* Bars [t, n) as runs between invalid bars, each its own series; returns the length of the run
 * that reaches n (0 when bar n − 1 is invalid), whose state is saved in `carry`. */
static size_t features_v1_from(const bf_kernel_table *k, bf_ohlc in, size_t t, size_t n,
                               double *const out[BF_FEATURE_COUNT], bf_v1_carry *carry) {
    size_t open_run = 0;
    while (t < n) {
        if (!bf_valid_bar(in.open[t], in.high[t], in.low[t], in.close[t])) {
            for (int f = 0; f < BF_FEATURE_COUNT; f++) out[f][t] = NAN;
            t++;
            open_run = 0;
            continue;
        }
        /* A run from a valid bar to the next invalid one (or the end), as its own series. */
        bf_ohlc seg = {in.open + t, in.high + t, in.low + t, in.close + t};
        double *seg_out[BF_FEATURE_COUNT];
        for (int f = 0; f < BF_FEATURE_COUNT; f++) seg_out[f] = out[f] + t;
        open_run = k->v1_run(seg, 0, n - t, seg_out, carry);
        t += open_run;
    }
    return open_run;
}

static void features_v1_with(const bf_kernel_table *k, bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    (void)features_v1_from(k, in, 0, n, out, NULL);
}

_Static_assert(sizeof(bf_v1_carry) <= sizeof(((bf_v1_stream *)0)->carry), "bf_v1_stream.carry holds a bf_v1_carry");

void bf_v1_stream_init(bf_v1_stream *s, bf_kernel_path path) {
    memset(s, 0, sizeof *s);
    s->layout = BF_V1_STREAM_LAYOUT;
    s->path = (uint32_t)table_for(path)->path;
}

/* The open run continues into the chunk: resumed from its carry when the history holds
 * BF_V1_STREAM_HISTORY of its bars, else (a run shorter than that) computed again from its first
 * bar, which is in the history. Then the rest of the chunk as runs. */
int bf_features_v1_stream(bf_v1_stream *s, bf_ohlc in, size_t history, size_t n, double *const out[BF_FEATURE_COUNT]) {
    size_t expected = s->bars < BF_V1_STREAM_HISTORY ? (size_t)s->bars : BF_V1_STREAM_HISTORY;
    if (s->layout != BF_V1_STREAM_LAYOUT || history != expected || s->path > BF_PATH_NEON ||
        !bf_kernels_path_available((bf_kernel_path)s->path) || s->run_len > s->bars)
        return -1;
    const bf_kernel_table *k = table_for((bf_kernel_path)s->path);
    bf_v1_carry *carry = (bf_v1_carry *)(void *)s->carry;
    size_t total = history + n, t = history;
    size_t open_run = 0;
    if (s->run_len >= BF_V1_STREAM_HISTORY) {
        size_t end = k->v1_run(in, history, total, out, carry);
        if (end == total) {
            open_run = (size_t)s->run_len + n;
            t = total;
        } else {
            t = end;
        }
    } else {
        t = history - (size_t)s->run_len;
    }
    if (t < total) open_run = features_v1_from(k, in, t, total, out, carry);
    s->run_len = open_run;
    s->bars += n;
    return 0;
}

void bf_features_v1_path(bf_kernel_path path, bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    features_v1_with(table_for(path), in, n, out);
}

void bf_features_v1(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    features_v1_with(bf_active_kernels(), in, n, out);
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
