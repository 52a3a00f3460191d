/* The fused v1 kernel: all nine features in one pass over a valid segment.
 *
 * Per bar t (segment-relative), reading o/h/l/c once and writing nine columns:
 *   ret_1    (c_t − c_{t−1}) / c_{t−1}                                  lookback 1
 *   logret_1 log(c_t / c_{t−1})                                         lookback 1
 *   vol_20   population stddev of logret_1[t−19..t], rolling sums re-anchored
 *            on the exact window mean every 20 bars                      lookback 20
 *   atr_14   seed Σ TR_1..14 / 14 at t = 14, then Wilder (prev·13 + TR)·(1/14) lookback 14
 *   natr_14  (atr_14 / c_t) · 100                                        lookback 14
 *   sma_20   TA-Lib running sum: S += c_t; out = S / 20; S −= c_{t−19}   lookback 19
 *   ema_20   seed Σ c_0..19 / 20 at t = 19, then fma(c_t − prev, 2/21, prev)  lookback 19
 *   rsi_14   Wilder averages of gains/losses seeded on changes 1..14;
 *            100 · (AG / (AG + AL)), 0 when AG + AL == 0                 lookback 14
 *   slope_20 least-squares slope of c[t−19..t], rolling Σy and Σxy
 *            re-anchored every 20 bars                                   lookback 19
 */
#include "kernel_math.h"
#include "vlog.h"

#define ATR_N 14
#define RSI_N 14
#define SMA_N 20
#define EMA_N 20
#define VOL_N 20
#define SLOPE_N 20

/* Bars per block: the scratch columns of a block stay in L1 between the three phases. */
#define BLOCK 256
/* From this bar on every window is full and every recurrence is past its seed. */
#define WARM (VOL_N + 1)

BF_INLINE void features_segment(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT], int vector_log) {
    const double *h = in.high, *l = in.low, *c = in.close;
    double *ret = out[BF_F_RET_1], *logret = out[BF_F_LOGRET_1], *vol = out[BF_F_VOL_20];
    double *atr = out[BF_F_ATR_14], *natr = out[BF_F_NATR_14], *sma = out[BF_F_SMA_20];
    double *ema = out[BF_F_EMA_20], *rsi = out[BF_F_RSI_14], *slope = out[BF_F_SLOPE_20];
    const double nan = NAN;
    const double ema_k = 2.0 / (EMA_N + 1.0);
    double tr_buf[BLOCK], gain_buf[BLOCK], loss_buf[BLOCK], al_buf[BLOCK];
    double tr_sum = 0.0, atr_prev = 0.0;
    double gain_sum = 0.0, loss_sum = 0.0, ag = 0.0, al = 0.0;
    double sma_sum = 0.0, ema_prev = 0.0, ema_seed = 0.0;
    size_t same_logret = 0;
    bf_rolling_std vs = {0};
    bf_rolling_slope ls = {0};
    if (n == 0) return;
    for (size_t b0 = 0; b0 < n; b0 += BLOCK) {
        size_t b1 = b0 + BLOCK < n ? b0 + BLOCK : n;
        size_t a0 = b0 > 0 ? b0 : 1;
        /* Phase A, element-wise (vectorizes): returns, true range, gains and losses. */
        {
            const double *restrict cc = c, *restrict hh = h, *restrict ll = l;
            double *restrict rr = ret, *restrict gb = gain_buf, *restrict lb = loss_buf, *restrict tb = tr_buf;
            for (size_t t = a0; t < b1; t++) {
                double ct = cc[t], cp = cc[t - 1], d = ct - cp;
                rr[t] = d / cp;
                gb[t - b0] = d > 0 ? d : 0.0;
                lb[t - b0] = d < 0 ? -d : 0.0;
                double tr = hh[t] - ll[t], x = fabs(cp - hh[t]), y = fabs(cp - ll[t]);
                tr = x > tr ? x : tr;
                tb[t - b0] = y > tr ? y : tr;
            }
            double *restrict lr = logret;
#if BF_HAS_AVX2_BUILD
            if (vector_log) bf_log_ratio_avx2(cc + a0, cc + a0 - 1, lr + a0, b1 - a0);
            else
#endif
                for (size_t t = a0; t < b1; t++) lr[t] = log(cc[t] / cc[t - 1]);
        }
        if (b0 == 0) {
            ret[0] = nan;
            logret[0] = nan;
        }
        /* Phase B, the recurrences (independent chains the core overlaps); divisions and square
         * roots that feed no chain are left to phase C. */
        size_t warm_end = b1 < WARM ? b1 : (b0 > WARM ? b0 : WARM);
        for (size_t t = b0; t < warm_end; t++) {
            double ct = c[t];
            if (t >= 1) {
                double tr = tr_buf[t - b0], g = gain_buf[t - b0], lo = loss_buf[t - b0];
                same_logret = (t >= 2 && logret[t] == logret[t - 1]) ? same_logret + 1 : 1;
                if (t <= ATR_N) tr_sum += tr;
                if (t <= RSI_N) {
                    gain_sum += g;
                    loss_sum += lo;
                }
                if (t == ATR_N) atr_prev = tr_sum / ATR_N;
                else if (t > ATR_N) atr_prev = bf_wilder(atr_prev, tr, ATR_N, 1.0 / ATR_N);
                if (t == RSI_N) {
                    ag = gain_sum / RSI_N;
                    al = loss_sum / RSI_N;
                } else if (t > RSI_N) {
                    ag = bf_wilder(ag, g, RSI_N, 1.0 / RSI_N);
                    al = bf_wilder(al, lo, RSI_N, 1.0 / RSI_N);
                }
            }
            atr[t] = t >= ATR_N ? atr_prev : nan;
            rsi[t] = ag; /* phase C turns (AG, AL) into the RSI */
            al_buf[t - b0] = al;
            /* SMA: the running sum now, the division in phase C (same operands: bit-identical). */
            sma_sum += ct;
            if (t + 1 >= SMA_N) {
                sma[t] = sma_sum;
                sma_sum -= c[t + 1 - SMA_N];
            }
            if (t < EMA_N) {
                ema_seed += ct;
                if (t + 1 == EMA_N) ema_prev = ema_seed / EMA_N;
                ema[t] = t + 1 == EMA_N ? ema_prev : nan;
            } else {
                ema_prev = fma(ct - ema_prev, ema_k, ema_prev);
                ema[t] = ema_prev;
            }
            /* volatility: the variance now, the square root in phase C */
            if (t == VOL_N) {
                bf_rolling_std_reset(&vs, logret + 1, VOL_N);
                double mean = vs.s1 * (1.0 / VOL_N), var = vs.s2 * (1.0 / VOL_N) - mean * mean;
                vol[t] = same_logret >= VOL_N ? 0.0 : var;
            } else if (t > VOL_N) {
                double var = bf_rolling_std_var(&vs, logret[t], logret[t - VOL_N], logret + t + 1, VOL_N);
                vol[t] = same_logret >= VOL_N ? 0.0 : var;
            }
            if (t + 1 == SLOPE_N) {
                bf_rolling_slope_reset(&ls, c, SLOPE_N);
                slope[t] = bf_rolling_slope_value(&ls, SLOPE_N);
            } else if (t + 1 > SLOPE_N) {
                slope[t] = bf_rolling_slope_step(&ls, ct, c[t - SLOPE_N], c + t + 1, SLOPE_N);
            }
        }
        /* The same recurrences once every window is full (t >= WARM): no warm-up branches. */
        {
            const double inv_atr = 1.0 / ATR_N, inv_rsi = 1.0 / RSI_N;
            for (size_t t = warm_end; t < b1; t++) {
                double ct = c[t];
                double tr = tr_buf[t - b0], g = gain_buf[t - b0], lo = loss_buf[t - b0];
                same_logret = logret[t] == logret[t - 1] ? same_logret + 1 : 1;
                atr_prev = bf_wilder(atr_prev, tr, ATR_N, inv_atr);
                ag = bf_wilder(ag, g, RSI_N, inv_rsi);
                al = bf_wilder(al, lo, RSI_N, inv_rsi);
                atr[t] = atr_prev;
                rsi[t] = ag;
                al_buf[t - b0] = al;
                sma_sum += ct;
                sma[t] = sma_sum;
                sma_sum -= c[t + 1 - SMA_N];
                ema_prev = fma(ct - ema_prev, ema_k, ema_prev);
                ema[t] = ema_prev;
                double var = bf_rolling_std_var(&vs, logret[t], logret[t - VOL_N], logret + t + 1, VOL_N);
                vol[t] = same_logret >= VOL_N ? 0.0 : var;
                slope[t] = bf_rolling_slope_step(&ls, ct, c[t - SLOPE_N], c + t + 1, SLOPE_N);
            }
        }
        /* Phase C, element-wise (vectorizes): the divisions and square roots, and leading NaNs. */
        {
            const double *restrict cc = c, *restrict aa = atr, *restrict alb = al_buf;
            double *restrict na = natr, *restrict rs = rsi, *restrict sm = sma, *restrict vo = vol, *restrict sl = slope;
            size_t t;
            for (t = b0; t < b1 && t < ATR_N; t++) na[t] = nan;
            for (; t < b1; t++) na[t] = (aa[t] / cc[t]) * 100.0;
            for (t = b0; t < b1 && t < RSI_N; t++) rs[t] = nan;
            for (; t < b1; t++) {
                double g = rs[t], sum = g + alb[t - b0];
                rs[t] = sum != 0.0 ? 100.0 * (g / sum) : 0.0;
            }
            for (t = b0; t < b1 && t + 1 < SMA_N; t++) sm[t] = nan;
            for (; t < b1; t++) sm[t] = sm[t] / SMA_N;
            for (t = b0; t < b1 && t < VOL_N; t++) vo[t] = nan;
            for (; t < b1; t++) vo[t] = sqrt(vo[t] > 0 ? vo[t] : 0.0);
            for (t = b0; t < b1 && t + 1 < SLOPE_N; t++) sl[t] = nan;
        }
    }
}

void bf_features_segment_scalar(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    features_segment(in, n, out, 0);
}

#if BF_HAS_AVX2_BUILD
BF_TARGET_AVX2 void bf_features_segment_avx2(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    features_segment(in, n, out, 1);
}
#else
void bf_features_segment_avx2(bf_ohlc in, size_t n, double *const out[BF_FEATURE_COUNT]) {
    features_segment(in, n, out, 0);
}
#endif

size_t bf_first_invalid_scalar(bf_ohlc in, size_t from, size_t n) { return bf_first_invalid(in, from, n); }

#if BF_HAS_AVX2_BUILD
BF_TARGET_AVX2 size_t bf_first_invalid_avx2(bf_ohlc in, size_t from, size_t n) { return bf_first_invalid(in, from, n); }
#else
size_t bf_first_invalid_avx2(bf_ohlc in, size_t from, size_t n) { return bf_first_invalid(in, from, n); }
#endif
