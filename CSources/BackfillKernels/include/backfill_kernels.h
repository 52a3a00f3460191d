/*
 * backfill_kernels.h — feature kernels over contiguous candle columns (float64).
 *
 * Every kernel writes a caller-allocated output of length n; entries before the first defined
 * value are NaN. The arithmetic contract (seeding, order of operations) is TA-Lib's and is written
 * above each kernel and in docs/features.md.
 *
 * Invalid bars. A bar is valid when its open, high, low and close are finite and > 0 and
 * high >= low. An invalid bar splits the series: every output at that bar is NaN and every
 * running state restarts after it, as if a new series began at the next valid bar (so one bad
 * price never poisons the rest of a series, unlike TA-Lib). The per-kernel entry points assume
 * valid input; `bf_features_v1` handles the splitting.
 *
 * Paths. Each kernel has a scalar reference and vector builds: AVX2+FMA and AVX-512 on x86-64,
 * NEON on AArch64 (one template, vector_path.h), chosen once at run time (CPU and OS check);
 * BACKFILL_KERNELS=scalar|avx2|avx512|neon forces one. The vector paths agree with the scalar
 * path within 1e-12 (bit for bit on ret_1, sma_20 and ema_20) and with their own per-kernel entry
 * points bit for bit (docs/features.md). NEON is tested under qemu-aarch64
 * (Tests/EndToEndTests/KernelEmulationTests.swift); its speed is unmeasured.
 *
 * Alignment. Output columns on 64-byte boundaries (as FeatureBatch allocates them) keep vector
 * stores inside one cache line; any alignment is correct.
 */
#ifndef BACKFILL_KERNELS_H
#define BACKFILL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The v1 feature set, in column order. */
#define BF_FEATURE_COUNT 9
enum {
    BF_F_RET_1 = 0,
    BF_F_LOGRET_1,
    BF_F_VOL_20,
    BF_F_ATR_14,
    BF_F_NATR_14,
    BF_F_SMA_20,
    BF_F_EMA_20,
    BF_F_RSI_14,
    BF_F_SLOPE_20,
};

/* Kernel paths. */
typedef enum bf_kernel_path {
    BF_PATH_SCALAR = 0,
    BF_PATH_AVX2 = 1,
    BF_PATH_AVX512 = 2,
    BF_PATH_NEON = 3,
} bf_kernel_path;

/* Input columns (open is read only for validity). */
typedef struct bf_ohlc {
    const double *open;
    const double *high;
    const double *low;
    const double *close;
} bf_ohlc;

/* The path in use (chosen on first use: BACKFILL_KERNELS, else the best the CPU supports). */
bf_kernel_path bf_kernels_active_path(void);
/* Whether this build and this CPU can run `path`. */
int bf_kernels_path_available(bf_kernel_path path);
/* Forces a path; returns 0 when it is not available (the active path is unchanged). */
int bf_kernels_use_path(bf_kernel_path path);
/* "scalar", "avx2", "avx512", "neon". */
const char *bf_kernels_path_name(bf_kernel_path path);

/* Lookbacks (leading NaN count for a valid series). */
size_t bf_lookback_ret(void);
size_t bf_lookback_vol(size_t period);
size_t bf_lookback_atr(size_t period);
size_t bf_lookback_sma(size_t period);
size_t bf_lookback_ema(size_t period);
size_t bf_lookback_rsi(size_t period);
size_t bf_lookback_slope(size_t period);

/* Per-kernel entry points (active path), for valid input. */
void bf_ret(const double *close, size_t n, double *ret, double *logret);
void bf_vol(const double *logret, size_t n, size_t period, double *out);
void bf_atr(const double *high, const double *low, const double *close, size_t n, size_t period, double *atr,
            double *natr);
void bf_sma(const double *close, size_t n, size_t period, double *out);
void bf_ema(const double *close, size_t n, size_t period, double *out);
void bf_rsi(const double *close, size_t n, size_t period, double *out);
void bf_slope(const double *close, size_t n, size_t period, double *out);

/* The whole v1 set in one pass over memory per valid segment; out[k] has n entries. */
void bf_features_v1(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]);

/* Explicit-path variants, for tests and benchmarks. */
void bf_features_v1_path(bf_kernel_path path, bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]);

/* Streaming: a series computed a chunk at a time, with the same bits as one bf_features_v1_path
 * call over the whole series (tested on every path for chunk sizes from 1 bar up, with invalid
 * bars anywhere). The caller keeps the stream and, in front of each chunk, the last
 * min(BF_V1_STREAM_HISTORY, bars so far) bars of the previous chunks.
 *
 * A stream is plain bytes: stored and loaded again (a checkpoint), it resumes where it stopped
 * when `layout` matches this build's BF_V1_STREAM_LAYOUT and its path is available. */
#define BF_V1_STREAM_HISTORY 32
#define BF_V1_STREAM_LAYOUT 1
typedef struct bf_v1_stream {
    uint32_t layout;  /* BF_V1_STREAM_LAYOUT */
    uint32_t path;    /* a bf_kernel_path: a stream keeps the path it began with */
    uint64_t bars;    /* bars given so far */
    uint64_t run_len; /* valid bars of the run still open after the last one given (0: none) */
    double carry[96]; /* that run's state (opaque) */
} bf_v1_stream;

/* A new stream computing with `path` (the scalar path when `path` is not available here). */
void bf_v1_stream_init(bf_v1_stream *s, bf_kernel_path path);

/* The next `n` bars: `in` and `out` hold `history` + n entries, the first `history` being the
 * previous chunks' last bars (history = min(BF_V1_STREAM_HISTORY, s->bars)); outputs are written
 * at [history, history + n) (entries before may be overwritten). Returns 0, or -1 (nothing
 * computed) when `history` is not that, or the stream's layout or path is not usable here. */
int bf_features_v1_stream(bf_v1_stream *s, bf_ohlc in, size_t history, size_t n, double *const out[BF_FEATURE_COUNT]);

/* Benchmark helpers: a pass that reads the 4 price columns plus volume and writes 9 columns with
 * trivial arithmetic (the memory-bandwidth ceiling of the fused kernel), and a triad copy
 * a[i] = b[i] + s * c[i]. */
void bf_bench_trivial_pass(bf_ohlc in, const double *volume, size_t n, double *const out[BF_FEATURE_COUNT]);
void bf_bench_triad(double *a, const double *b, const double *c, double s, size_t n);

#ifdef __cplusplus
}
#endif
#endif
