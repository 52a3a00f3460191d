/* The kernels of one path as one table of function pointers. dispatch.c builds a table per path
 * (scalar, AVX2, AVX-512) and picks the active one once; the public entry points call through it,
 * so no call switches on the path or checks the CPU again. */
#ifndef BACKFILL_KERNEL_TABLE_H
#define BACKFILL_KERNEL_TABLE_H

#include "backfill_kernels.h"

/* A run's state carried between streaming calls (features_v1.h). */
typedef struct bf_v1_carry bf_v1_carry;

/* A path's fused run: the valid run of `in` from bar 0 (or resumed at `start` from `carry`) up to
 * the first invalid bar or `n`; returns where it ended (features_v1.h has the contract). */
#define BF_V1_RUN_PARAMS (bf_ohlc in, size_t start, size_t n, double *const out[BF_FEATURE_COUNT], bf_v1_carry *carry)

typedef struct bf_kernel_table {
    bf_kernel_path path;
    void (*bf_ret)(const double *close, size_t n, double *ret, double *logret);
    void (*bf_vol)(const double *logret, size_t n, size_t period, double *out);
    void (*bf_atr)(const double *high, const double *low, const double *close, size_t n, size_t period, double *atr,
                   double *natr);
    void (*bf_sma)(const double *close, size_t n, size_t period, double *out);
    void (*bf_ema)(const double *close, size_t n, size_t period, double *out);
    void (*bf_rsi)(const double *close, size_t n, size_t period, double *out);
    void (*bf_slope)(const double *close, size_t n, size_t period, double *out);
    /* The fused v1 pass over a valid run (features_v1.h: bf_v1_run_scalar); returns where it
     * ends. */
    size_t (*v1_run) BF_V1_RUN_PARAMS;
} bf_kernel_table;

/* The active path's table (chosen on first use: BACKFILL_KERNELS, else the best the CPU runs). */
const bf_kernel_table *bf_active_kernels(void);

/* Per-path variants, each defined in its kernel's file (the _avx2 and _avx512 ones only on x86,
 * the _neon ones only on AArch64). */
#define BF_KERNEL_VARIANTS(NAME, PARAMS)                                                          \
    void NAME##_scalar PARAMS;                                                                     \
    void NAME##_avx2 PARAMS;                                                                       \
    void NAME##_avx512 PARAMS;                                                                     \
    void NAME##_neon PARAMS;
BF_KERNEL_VARIANTS(bf_ret, (const double *c, size_t n, double *ret, double *logret))
BF_KERNEL_VARIANTS(bf_atr, (const double *h, const double *l, const double *c, size_t n, size_t p, double *atr, double *natr))
BF_KERNEL_VARIANTS(bf_sma, (const double *c, size_t n, size_t p, double *out))
BF_KERNEL_VARIANTS(bf_ema, (const double *c, size_t n, size_t p, double *out))
BF_KERNEL_VARIANTS(bf_rsi, (const double *c, size_t n, size_t p, double *out))
#undef BF_KERNEL_VARIANTS
void bf_vol_scalar(const double *x, size_t n, size_t p, double *out);
void bf_slope_scalar(const double *c, size_t n, size_t p, double *out);

#endif
