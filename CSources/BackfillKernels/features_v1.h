/* The fused v1 kernel, shared by every path: the periods, the state carried from block to block,
 * and the recurrences (phase B), which are serial by nature and the same code on every path.
 *
 * A path computes a valid run of bars in blocks of BF_V1_BLOCK bars, in three phases per block,
 * so that the block's scratch columns stay in L1 between them:
 *   A  element-wise (vectorized): validity, ret_1, logret_1, true range, gains and losses;
 *   B  the recurrences (this header): ATR, Wilder's gain and loss averages, the SMA's running
 *      sum, EMA, the rolling variance and the rolling slope, in independent chains that the
 *      core overlaps; divisions and square roots that feed no chain are left to phase C;
 *   C  element-wise (vectorized): NATR, RSI, SMA = sum / 20, vol = √variance, leading NaNs.
 *
 * Per bar t (run-relative), the arithmetic (docs/features.md has the contract):
 *   ret_1    (c_t − c_{t−1}) / c_{t−1}                                  lookback 1
 *   logret_1 log(c_t / c_{t−1})                                         lookback 1
 *   vol_20   population stddev of logret_1[t−19..t], rolling sums re-anchored
 *            on the newest value every 20 bars                           lookback 20
 *   atr_14   seed Σ TR_1..14 / 14 at t = 14, then Wilder (prev·13 + TR)·(1/14) lookback 14
 *   natr_14  (atr_14 / c_t) · 100                                        lookback 14
 *   sma_20   TA-Lib running sum: S += c_t; out = S / 20; S −= c_{t−19}   lookback 19
 *   ema_20   seed Σ c_0..19 / 20 at t = 19, then fma(c_t − prev, 2/21, prev)  lookback 19
 *   rsi_14   Wilder averages of gains/losses seeded on changes 1..14;
 *            100 · (AG / (AG + AL)), 0 when AG + AL == 0                 lookback 14
 *   slope_20 least-squares slope of c[t−19..t], rolling Σy and Σxy
 *            re-anchored every 20 bars                                   lookback 19
 */
#ifndef BACKFILL_FEATURES_V1_H
#define BACKFILL_FEATURES_V1_H

#include <string.h>

#include "kernel_math.h"

#define BF_V1_ATR_N 14
#define BF_V1_RSI_N 14
#define BF_V1_SMA_N 20
#define BF_V1_EMA_N 20
#define BF_V1_VOL_N 20
#define BF_V1_SLOPE_N 20

/* Bars per block (a multiple of 8): the block's inputs and scratch columns stay in L1 between
 * the phases. */
#define BF_V1_BLOCK 256
/* Values of logret_1 kept from the previous block (the volatility window reaches back 20). */
#define BF_V1_HIST 32
/* From this bar on every window is full and every recurrence is past its seed. */
#define BF_V1_WARM (BF_V1_VOL_N + 1)

typedef struct bf_v1_state {
    double tr_sum, atr_prev;
    double gain_sum, loss_sum, ag, al;
    double sma_sum, ema_prev, ema_seed;
    size_t same_logret;
    bf_rolling_std vs;
    bf_rolling_slope ls;
} bf_v1_state;

/* A block's columns, index i = t − b0 (logret: BF_V1_HIST + i, with the previous block's last
 * values before it). Phase C turns them into the nine outputs, written once. */
typedef struct bf_v1_scratch {
    double ret[BF_V1_BLOCK], logret[BF_V1_HIST + BF_V1_BLOCK], diff[BF_V1_HIST + BF_V1_BLOCK];
    double tr[BF_V1_BLOCK], gain[BF_V1_BLOCK], loss[BF_V1_BLOCK];
    double atr[BF_V1_BLOCK], ag[BF_V1_BLOCK], al[BF_V1_BLOCK], sma_sum[BF_V1_BLOCK];
    double ema[BF_V1_BLOCK], var[BF_V1_BLOCK], slope[BF_V1_BLOCK];
} bf_v1_scratch;

/* The five chains of phase B past the warm-up, as locals (registers) while a loop runs. */
typedef struct bf_v1_chains {
    double atr, ag, al, sma_sum, ema;
} bf_v1_chains;

BF_INLINE bf_v1_chains bf_v1_chains_load(const bf_v1_state *s) {
    return (bf_v1_chains){s->atr_prev, s->ag, s->al, s->sma_sum, s->ema_prev};
}

BF_INLINE void bf_v1_chains_store(bf_v1_state *s, bf_v1_chains ch) {
    s->atr_prev = ch.atr;
    s->ag = ch.ag;
    s->al = ch.al;
    s->sma_sum = ch.sma_sum;
    s->ema_prev = ch.ema;
}

/* One bar (block index i, t >= WARM) of the chains; cb is the block's close column. */
BF_INLINE void bf_v1_chain_step(bf_v1_chains *ch, const double *cb, bf_v1_scratch *w, size_t i, int vector) {
    const double ema_k = 2.0 / (BF_V1_EMA_N + 1.0), inv_atr = 1.0 / BF_V1_ATR_N, inv_rsi = 1.0 / BF_V1_RSI_N;
    double ct = cb[i];
    ch->atr = bf_wilder_step(ch->atr, w->tr[i], BF_V1_ATR_N, inv_atr, vector);
    ch->ag = bf_wilder_step(ch->ag, w->gain[i], BF_V1_RSI_N, inv_rsi, vector);
    ch->al = bf_wilder_step(ch->al, w->loss[i], BF_V1_RSI_N, inv_rsi, vector);
    w->atr[i] = ch->atr;
    w->ag[i] = ch->ag;
    w->al[i] = ch->al;
    ch->sma_sum += ct;
    w->sma_sum[i] = ch->sma_sum;
    ch->sma_sum -= cb[(ptrdiff_t)i + 1 - BF_V1_SMA_N];
    ch->ema = fma(ct - ch->ema, ema_k, ch->ema);
    w->ema[i] = ch->ema;
}

/* Phase B over bars [b0, b0 + len), after phase A filled the block's ret, logret, tr, gain and
 * loss. `c` is the run's close column. Writes atr, ema and slope (final), ag and al, sma_sum
 * (the running sum) and var (the variance); entries before a feature's first defined value are
 * NaN (ag is NaN while RSI is undefined). */
BF_INLINE void bf_v1_recurrences(bf_v1_state *s, const double *c, bf_v1_scratch *w, size_t b0, size_t len,
                                 int vector) {
    const double nan = NAN, ema_k = 2.0 / (BF_V1_EMA_N + 1.0);
    const double inv_atr = 1.0 / BF_V1_ATR_N, inv_rsi = 1.0 / BF_V1_RSI_N;
    const double *lr = w->logret + BF_V1_HIST; /* lr[i] is logret_1 at t = b0 + i; lr[−20] exists */
    const double *cb = c + b0;                 /* cb[i] is c_t; cb[−20] exists once t >= 20 */
    size_t warm = b0 >= BF_V1_WARM ? 0 : (BF_V1_WARM - b0 < len ? BF_V1_WARM - b0 : len);
    for (size_t i = 0; i < warm; i++) {
        size_t t = b0 + i;
        double ct = cb[i];
        if (t >= 1) {
            double tr = w->tr[i], g = w->gain[i], lo = w->loss[i];
            s->same_logret = (t >= 2 && lr[i] == lr[(ptrdiff_t)i - 1]) ? s->same_logret + 1 : 1;
            if (t <= BF_V1_ATR_N) s->tr_sum += tr;
            if (t <= BF_V1_RSI_N) {
                s->gain_sum += g;
                s->loss_sum += lo;
            }
            if (t == BF_V1_ATR_N) s->atr_prev = s->tr_sum / BF_V1_ATR_N;
            else if (t > BF_V1_ATR_N) s->atr_prev = bf_wilder_step(s->atr_prev, tr, BF_V1_ATR_N, inv_atr, vector);
            if (t == BF_V1_RSI_N) {
                s->ag = s->gain_sum / BF_V1_RSI_N;
                s->al = s->loss_sum / BF_V1_RSI_N;
            } else if (t > BF_V1_RSI_N) {
                s->ag = bf_wilder_step(s->ag, g, BF_V1_RSI_N, inv_rsi, vector);
                s->al = bf_wilder_step(s->al, lo, BF_V1_RSI_N, inv_rsi, vector);
            }
        }
        w->atr[i] = t >= BF_V1_ATR_N ? s->atr_prev : nan;
        w->ag[i] = t >= BF_V1_RSI_N ? s->ag : nan;
        w->al[i] = s->al;
        s->sma_sum += ct;
        if (t + 1 >= BF_V1_SMA_N) {
            w->sma_sum[i] = s->sma_sum;
            s->sma_sum -= c[t + 1 - BF_V1_SMA_N];
        } else {
            w->sma_sum[i] = nan;
        }
        if (t < BF_V1_EMA_N) {
            s->ema_seed += ct;
            if (t + 1 == BF_V1_EMA_N) s->ema_prev = s->ema_seed / BF_V1_EMA_N;
            w->ema[i] = t + 1 == BF_V1_EMA_N ? s->ema_prev : nan;
        } else {
            s->ema_prev = fma(ct - s->ema_prev, ema_k, s->ema_prev);
            w->ema[i] = s->ema_prev;
        }
        if (vector) {
            /* the vector paths compute vol and slope per window (vector_path.h) */
        } else if (t < BF_V1_VOL_N) {
            w->var[i] = nan;
        } else if (t == BF_V1_VOL_N) {
            /* the first window is logret_1 at t = 1..20, all in this block */
            bf_rolling_std_reset(&s->vs, lr + i + 1 - BF_V1_VOL_N, BF_V1_VOL_N);
            double mean = s->vs.s1 * (1.0 / BF_V1_VOL_N), var = s->vs.s2 * (1.0 / BF_V1_VOL_N) - mean * mean;
            w->var[i] = s->same_logret >= BF_V1_VOL_N ? 0.0 : var;
        } else {
            double var = bf_rolling_std_var(&s->vs, lr[i], lr[(ptrdiff_t)i - BF_V1_VOL_N], lr + i + 1, BF_V1_VOL_N);
            w->var[i] = s->same_logret >= BF_V1_VOL_N ? 0.0 : var;
        }
        if (vector) {
        } else if (t + 1 < BF_V1_SLOPE_N) {
            w->slope[i] = nan;
        } else if (t + 1 == BF_V1_SLOPE_N) {
            bf_rolling_slope_reset(&s->ls, c, BF_V1_SLOPE_N);
            w->slope[i] = bf_rolling_slope_value(&s->ls, BF_V1_SLOPE_N);
        } else {
            w->slope[i] = bf_rolling_slope_step(&s->ls, ct, c[t - BF_V1_SLOPE_N], c + t + 1, BF_V1_SLOPE_N);
        }
    }
    /* The same once every window is full (t >= WARM): no warm-up branches; locals keep the
     * chains in registers. */
    bf_v1_chains ch = bf_v1_chains_load(s);
    size_t same = s->same_logret;
    bf_rolling_std vs = s->vs;
    bf_rolling_slope ls = s->ls;
    for (size_t i = warm; i < len; i++) {
        bf_v1_chain_step(&ch, c + b0, w, i, vector);
        if (!vector) {
            double ct = cb[i];
            same = lr[i] == lr[(ptrdiff_t)i - 1] ? same + 1 : 1;
            double var = bf_rolling_std_var(&vs, lr[i], lr[(ptrdiff_t)i - BF_V1_VOL_N], lr + i + 1, BF_V1_VOL_N);
            w->var[i] = same >= BF_V1_VOL_N ? 0.0 : var;
            w->slope[i] = bf_rolling_slope_step(&ls, ct, cb[(ptrdiff_t)i - BF_V1_SLOPE_N], cb + i + 1, BF_V1_SLOPE_N);
        }
    }
    bf_v1_chains_store(s, ch);
    s->same_logret = same;
    s->vs = vs;
    s->ls = ls;
}

/* After a block: its last logret_1 values become the next block's history. */
BF_INLINE void bf_v1_keep_history(bf_v1_scratch *w, size_t len) {
    memmove(w->logret, w->logret + len, BF_V1_HIST * sizeof(double));
    memmove(w->diff, w->diff + len, BF_V1_HIST * sizeof(double));
}

/* The first index in [from, to) whose bar is not valid (`to` when all are). */
BF_INLINE size_t bf_v1_first_invalid(bf_ohlc in, size_t from, size_t to) {
    size_t t = from;
    while (t + 8 <= to) {
        int ok = 1;
        for (size_t i = t; i < t + 8; i++) {
            double o = in.open[i], h = in.high[i], l = in.low[i], c = in.close[i];
            /* NaN fails every comparison; infinities fail the < 1e308 bound. */
            ok &= (o > 0) & (h > 0) & (l > 0) & (c > 0) & (h >= l) & (o < 1e308) & (h < 1e308) & (l < 1e308) &
                  (c < 1e308);
        }
        if (!ok) break;
        t += 8;
    }
    for (; t < to; t++)
        if (!bf_valid_bar(in.open[t], in.high[t], in.low[t], in.close[t])) return t;
    return to;
}

/* What a run carries from one call to the next when it reaches the end of the input (streaming,
 * bf_features_v1_stream): the recurrences' state and the block history of logret_1 and the close
 * differences. Together with the last BF_V1_HIST bars of input, a run resumed from it computes
 * the same bits as one that never stopped (every value depends only on these, never on where a
 * block or a call began). */
struct bf_v1_carry {
    bf_v1_state st;
    double logret[BF_V1_HIST], diff[BF_V1_HIST];
};

/* Path plumbing (dispatch.c): a path computes the valid run that starts at bar 0 (valid) and
 * returns its length. With `start` > 0 the run resumes at bar `start` from `carry` (saved when
 * the run last reached the end of its input), bars [start − BF_V1_HIST, start) being the run's
 * previous bars, and start >= BF_V1_HIST. When the run reaches `n` and `carry` is not NULL, its
 * state is saved there. */
size_t bf_v1_run_scalar BF_V1_RUN_PARAMS;
size_t bf_v1_run_avx2 BF_V1_RUN_PARAMS;
size_t bf_v1_run_avx512 BF_V1_RUN_PARAMS;
size_t bf_v1_run_neon BF_V1_RUN_PARAMS;

/* A run's start: fresh state, or the carried one. */
BF_INLINE void bf_v1_carry_load(const bf_v1_carry *carry, size_t start, bf_v1_state *st, bf_v1_scratch *w) {
    if (start == 0 || carry == NULL) {
        memset(st, 0, sizeof *st);
        return;
    }
    *st = carry->st;
    memcpy(w->logret, carry->logret, sizeof carry->logret);
    memcpy(w->diff, carry->diff, sizeof carry->diff);
}

/* A run that reached the end of its input: its state, for the next call. */
BF_INLINE void bf_v1_carry_save(bf_v1_carry *carry, const bf_v1_state *st, const bf_v1_scratch *w) {
    if (carry == NULL) return;
    carry->st = *st;
    memcpy(carry->logret, w->logret, sizeof carry->logret);
    memcpy(carry->diff, w->diff, sizeof carry->diff);
}

#endif
