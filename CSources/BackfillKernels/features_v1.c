/* The fused v1 kernel, scalar path: the reference every vector path is tested against. Its
 * divisions and libm's log are TA-Lib's (ret_1, logret_1 and sma_20 are bit-exact with TA-Lib).
 * The phases and the arithmetic are in features_v1.h. */
#include "features_v1.h"

size_t bf_v1_run_scalar BF_V1_RUN_PARAMS {
    const double *h = in.high, *l = in.low, *c = in.close;
    bf_v1_state st;
    bf_v1_scratch w;
    bf_v1_carry_load(carry, start, &st, &w);
    double *lr = w.logret + BF_V1_HIST;
    for (size_t b0 = start; b0 < n; b0 += BF_V1_BLOCK) {
        size_t b1 = bf_v1_first_invalid(in, b0, b0 + BF_V1_BLOCK < n ? b0 + BF_V1_BLOCK : n);
        if (b1 == b0) return b0;
        size_t len = b1 - b0;
        /* Phase A */
        for (size_t i = 0; i < len; i++) {
            size_t t = b0 + i;
            if (t == 0) {
                w.ret[0] = lr[0] = NAN;
                w.tr[0] = w.gain[0] = w.loss[0] = 0.0;
                continue;
            }
            double ct = c[t], cp = c[t - 1], d = ct - cp;
            w.ret[i] = d / cp;
            lr[i] = log(ct / cp);
            w.gain[i] = d > 0 ? d : 0.0;
            w.loss[i] = d < 0 ? -d : 0.0;
            w.tr[i] = bf_true_range(h[t], l[t], cp);
        }
        bf_v1_recurrences(&st, c, &w, b0, len, 0);
        /* Phase C: the nine outputs */
        for (size_t i = 0; i < len; i++) {
            size_t t = b0 + i;
            double atr = w.atr[i], g = w.ag[i], sum = g + w.al[i], var = w.var[i];
            out[BF_F_RET_1][t] = w.ret[i];
            out[BF_F_LOGRET_1][t] = lr[i];
            out[BF_F_VOL_20][t] = sqrt(var <= 0 ? 0.0 : var); /* NaN stays NaN */
            out[BF_F_ATR_14][t] = atr;
            out[BF_F_NATR_14][t] = (atr / c[t]) * 100.0;
            out[BF_F_SMA_20][t] = w.sma_sum[i] / BF_V1_SMA_N;
            out[BF_F_EMA_20][t] = w.ema[i];
            out[BF_F_RSI_14][t] = sum != 0.0 ? 100.0 * (g / sum) : 0.0;
            out[BF_F_SLOPE_20][t] = w.slope[i];
        }
        bf_v1_keep_history(&w, len);
        if (b1 < b0 + BF_V1_BLOCK) {
            if (b1 == n) bf_v1_carry_save(carry, &st, &w);
            return b1;
        }
    }
    bf_v1_carry_save(carry, &st, &w);
    return n;
}
