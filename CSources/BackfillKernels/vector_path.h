/* A vector path of the kernels, as a template: vector_paths.c includes this file once per
 * instruction set, with BF_VP_SUFFIX (the path's name, pasted onto every function), BF_VP_LANES
 * (8, 4 or 2 doubles per vector) and, on x86, BF_VP_TARGET (its `target` attribute string)
 * defined. The code is written over BF_VP_LANES-lane vectors (vec8.h): on AVX-512, 8 lanes are
 * one zmm register; on AVX2, 8 lanes are two ymm registers (4 lanes, one register, spill less
 * but measured no faster: docs/performance.md); on NEON (AArch64's Advanced SIMD, 128 bits),
 * 4 lanes are two q registers of the 32 (the register pressure of AVX2's 8 lanes, with twice
 * the registers; unmeasured: no arm64 machine here).
 *
 * What the vector paths do differently from the scalar reference (docs/features.md has the
 * contract and the measured differences):
 *   - one divide per bar (1 / c_t) instead of four: ret_1, the ratio c_t / c_{t−1}, natr_14 and
 *     sma_20 = S / 20 are corrected from the reciprocal (v_div_by_recip), which gives the
 *     correctly rounded quotient: the same bits as the scalar path's divisions;
 *   - logret_1 by a division-free series for moves under 6 % (v_log_ratio), within one ulp
 *     of libm's log;
 *   - vol_20 and slope_20 per window (v_window_var, v_window_slope) instead of rolling sums:
 *     no serial chain, lanes independent; within 4e-15 of the scalar path;
 *   - Wilder's step with one FMA (bf_wilder_step), a third less latency on ATR and RSI's chains;
 *   - a block past the warm-up runs software-pipelined (v1_block_pipelined): the vector work of
 *     phases A and C fills the cycles the latency-bound chains of phase B leave idle.
 * Each lane's value depends only on its own inputs, so per-kernel entry points and the fused pass
 * agree bit for bit whatever their block and tail boundaries and whatever the lane count. */

#define BF_VP_CAT2(a, b) a##_##b
#define BF_VP_CAT(a, b) BF_VP_CAT2(a, b)
#define BF_VP(name) BF_VP_CAT(name, BF_VP_SUFFIX)
#ifdef BF_VP_TARGET
#define BF_VP_ISA __attribute__((target(BF_VP_TARGET)))
#else
#define BF_VP_ISA /* the baseline instruction set has the vectors (AArch64: Advanced SIMD) */
#endif
#define BF_VP_FN BF_VP_ISA
#define BF_VP_INLINE static inline __attribute__((always_inline)) BF_VP_ISA

/* The vector types, and [a's last lane, b's first BF_VP_LANES − 1 lanes]. */
#if BF_VP_LANES == 8
#define BF_VD bf_v8
#define BF_VI bf_v8i
#define BF_VP_SHIFT_IN(a, b) __builtin_shufflevector(a, b, 7, 8, 9, 10, 11, 12, 13, 14)
#elif BF_VP_LANES == 4
#define BF_VD bf_v4
#define BF_VI bf_v4i
#define BF_VP_SHIFT_IN(a, b) __builtin_shufflevector(a, b, 3, 4, 5, 6)
#elif BF_VP_LANES == 2
#define BF_VD bf_v2
#define BF_VI bf_v2i
#define BF_VP_SHIFT_IN(a, b) __builtin_shufflevector(a, b, 1, 2)
#else
#error "BF_VP_LANES must be 8, 4 or 2"
#endif

#define BF_VP_MIN(a, b) ((a) < (b) ? (a) : (b))

BF_VP_INLINE BF_VD BF_VP(v_load)(const double *p) {
    BF_VD v;
    memcpy(&v, p, sizeof v);
    return v;
}

BF_VP_INLINE void BF_VP(v_store)(double *p, BF_VD v) { memcpy(p, &v, sizeof v); }

/* The first k (< BF_VP_LANES) lanes from p, the rest `fill`; and the store of the first k lanes. */
BF_VP_INLINE BF_VD BF_VP(v_load_part)(const double *p, size_t k, double fill) {
    double tmp[BF_VP_LANES];
    for (size_t i = 0; i < BF_VP_LANES; i++) tmp[i] = i < k ? p[i] : fill;
    return BF_VP(v_load)(tmp);
}

BF_VP_INLINE void BF_VP(v_store_part)(double *p, BF_VD v, size_t k) {
    double tmp[BF_VP_LANES];
    BF_VP(v_store)(tmp, v);
    for (size_t i = 0; i < k; i++) p[i] = tmp[i];
}

BF_VP_INLINE BF_VD BF_VP(v_fma)(BF_VD a, BF_VD b, BF_VD c) { return __builtin_elementwise_fma(a, b, c); }
BF_VP_INLINE BF_VD BF_VP(v_abs)(BF_VD a) { return __builtin_elementwise_abs(a); }
BF_VP_INLINE int BF_VP(v_all)(BF_VI m) { return __builtin_reduce_and(m) != 0; }

/* a / b, correctly rounded, from inv = RN(1 / b) without a divide (Markstein's theorem): q = RN(a · inv)
 * is within one ulp of a / b, r = a − q·b is exact with one FMA, and RN(q + r · inv) is the
 * correctly rounded quotient, bit-identical to a division. Needs a, b, q away from overflow and
 * underflow; callers keep divisors in [BF_RECIP_MIN, BF_RECIP_MAX] and quotients far from the
 * subnormal range (price ratios). */
BF_VP_INLINE BF_VD BF_VP(v_div_by_recip)(BF_VD a, BF_VD b, BF_VD inv) {
    BF_VD q = a * inv;
    BF_VD r = BF_VP(v_fma)(-q, b, a);
    return BF_VP(v_fma)(r, inv, q);
}

/* log(x) for x = 1 + f with |f| < 1/16 (f exact): the Taylor series of log1p to f¹³ (the first term
 * left out is below 2⁻⁵⁵ of the result), as f + f²·P(f) with one rounding at the end, so the result
 * is within 0.6 ulp. No divide, no table. */
BF_VP_INLINE BF_VD BF_VP(v_log1p_small)(BF_VD f) {
    BF_VD p = (BF_VD)(1.0 / 13.0);
    p = BF_VP(v_fma)(p, f, (BF_VD)(-1.0 / 12.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(1.0 / 11.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(-1.0 / 10.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(1.0 / 9.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(-1.0 / 8.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(1.0 / 7.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(-1.0 / 6.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(1.0 / 5.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(-1.0 / 4.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(1.0 / 3.0));
    p = BF_VP(v_fma)(p, f, (BF_VD)(-1.0 / 2.0));
    return BF_VP(v_fma)(f * f, p, f);
}

/* log(x) for positive, finite, normal x: fdlibm's e_log.c argument reduction and polynomial
 * (published error bound < 1 ulp; Lg1..Lg7, ln2_hi and ln2_lo are its published constants):
 * x = m·2^k with m in [√2/2, √2), f = m − 1, s = f / (2 + f), R(s²) ≈ log((1+s)/(1−s)) − 2s,
 * log x = k·ln2_hi − ((f²/2 − (s·(f²/2 + R) + k·ln2_lo)) − f). */
BF_VP_INLINE BF_VD BF_VP(v_log_normal)(BF_VD x) {
    BF_VI bits = __builtin_bit_cast(BF_VI, x);
    BF_VI e = (bits >> 52) & 0x7FF;
    BF_VD m = __builtin_bit_cast(BF_VD, (bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
    BF_VD k = __builtin_convertvector(e - 1023, BF_VD);
    BF_VI big = m > 1.41421356237309504880;
    m = big ? m * 0.5 : m;
    k = big ? k + 1.0 : k;
    BF_VD f = m - 1.0;
    BF_VD s = f / (2.0 + f);
    BF_VD z = s * s, w = z * z;
    BF_VD t1 = BF_VP(v_fma)(w, (BF_VD)1.531383769920937332e-01, (BF_VD)2.222219843214978396e-01);
    t1 = w * BF_VP(v_fma)(w, t1, (BF_VD)3.999999999940941908e-01);
    BF_VD t2 = BF_VP(v_fma)(w, (BF_VD)1.479819860511658591e-01, (BF_VD)1.818357216161805012e-01);
    t2 = BF_VP(v_fma)(w, t2, (BF_VD)2.857142874366239149e-01);
    t2 = z * BF_VP(v_fma)(w, t2, (BF_VD)6.666666666666735130e-01);
    BF_VD r = t2 + t1;
    BF_VD hfsq = 0.5 * f * f;
    BF_VD inner = BF_VP(v_fma)(s, hfsq + r, k * 1.90821492927058770002e-10);
    return BF_VP(v_fma)(k, (BF_VD)6.93147180369123816490e-01, -((hfsq - inner) - f));
}

/* log(x) for x = RN(c_t / c_{t−1}), any positive x: the small-f series when every lane is near 1
 * (one-minute to daily moves under 6 %), else per lane the series, fdlibm's reduction, or libm
 * outside the normal range. */
BF_VP_INLINE BF_VD BF_VP(v_log_ratio)(BF_VD x) {
    BF_VD f = x - 1.0;
    BF_VI near = BF_VP(v_abs)(f) < BF_LOG_NEAR1;
    if (BF_VP(v_all)(near)) return BF_VP(v_log1p_small)(f);
    BF_VD r = near ? BF_VP(v_log1p_small)(f) : BF_VP(v_log_normal)(x);
    BF_VI ok = (x > 1e-300) & (x < 1e300);
    if (!BF_VP(v_all)(ok)) {
        double lanes[BF_VP_LANES], xs[BF_VP_LANES];
        BF_VP(v_store)(lanes, r);
        BF_VP(v_store)(xs, x);
        for (int i = 0; i < BF_VP_LANES; i++)
            if (!(xs[i] > 1e-300 && xs[i] < 1e300)) lanes[i] = log(xs[i]);
        r = BF_VP(v_load)(lanes);
    }
    return r;
}


/* Lanes [t, t + k) of a column, k <= BF_VP_LANES; lanes past k read `fill` (never memory past the end). */
BF_VP_INLINE BF_VD BF_VP(load)(const double *p, size_t k, double fill) {
    return k == BF_VP_LANES ? BF_VP(v_load)(p) : BF_VP(v_load_part)(p, k, fill);
}

BF_VP_INLINE void BF_VP(store)(double *p, BF_VD v, size_t k) {
    if (k == BF_VP_LANES) BF_VP(v_store)(p, v);
    else BF_VP(v_store_part)(p, v, k);
}

/* a / b: from inv = RN(1/b) when `fast` (the caller has checked that a and b are in the range
 * where the corrected reciprocal is exact, BF_RECIP_MIN..BF_RECIP_MAX), else a divide. Both give
 * the correctly rounded quotient. */
BF_VP_INLINE BF_VD BF_VP(div)(BF_VD a, BF_VD b, BF_VD inv, int fast) {
    return fast ? BF_VP(v_div_by_recip)(a, b, inv) : a / b;
}

/* The same for a dividend that can leave that range (NATR's ATR decays towards 0 on a flat
 * series): checked per vector. */
BF_VP_INLINE BF_VD BF_VP(div_checked)(BF_VD a, BF_VD b, BF_VD inv, int fast) {
    BF_VD m = BF_VP(v_abs)(a);
    return BF_VP(div)(a, b, inv, fast && BF_VP(v_all)(((m >= 1e-280) & (m <= 1e280)) | (a == 0.0)));
}

/* The first invalid bar in [from, to), BF_VP_LANES bars per compare. */
BF_VP_INLINE size_t BF_VP(first_invalid)(bf_ohlc in, size_t from, size_t to) {
    size_t t = from;
    for (; t + BF_VP_LANES <= to; t += BF_VP_LANES) {
        BF_VD o = BF_VP(v_load)(in.open + t), h = BF_VP(v_load)(in.high + t), l = BF_VP(v_load)(in.low + t);
        BF_VD c = BF_VP(v_load)(in.close + t);
        /* NaN fails every comparison; infinities fail the < 1e308 bound. */
        BF_VI ok = (o > 0.0) & (h > 0.0) & (l > 0.0) & (c > 0.0) & (h >= l) & (o < 1e308) & (h < 1e308) &
                    (l < 1e308) & (c < 1e308);
        if (!BF_VP(v_all)(ok)) break;
    }
    for (; t < to; t++)
        if (!bf_valid_bar(in.open[t], in.high[t], in.low[t], in.close[t])) return t;
    return to;
}

/* log(num[i] / den[i]) for i in [0, n): the per-kernel logret_1 (ret.c), the same lanes as the
 * fused pass computes. */
BF_VP_FN void BF_VP(bf_log_ratio)(const double *num, const double *den, double *out, size_t n) {
    for (size_t i = 0; i < n; i += BF_VP_LANES) {
        size_t k = BF_VP_MIN(BF_VP_LANES, n - i);
        BF_VD x = BF_VP(load)(num + i, k, 1.0) / BF_VP(load)(den + i, k, 1.0);
        BF_VP(store)(out + i, BF_VP(v_log_ratio)(x), k);
    }
}

/* The population variance of the p values x[−p+1..0] of each lane (lane j's window ends at x[j]),
 * as sums of the deviations from the lane's newest value: exactly 0 for a window of identical
 * values, and free of the cancellation of E[x²] − E[x]² while the window's values are close to
 * each other relative to their spread (return series are). */
BF_VP_INLINE BF_VD BF_VP(v_window_var)(const double *x, size_t p) {
    /* two partial sums each (even and odd k), so the chains are half as long */
    BF_VD a = BF_VP(v_load)(x), s1a = (BF_VD)0.0, s1b = (BF_VD)0.0, s2a = (BF_VD)0.0, s2b = (BF_VD)0.0;
    size_t k = 1;
    for (; k + 1 < p; k += 2) {
        BF_VD y = BF_VP(v_load)(x - k) - a, z = BF_VP(v_load)(x - k - 1) - a;
        s1a += y;
        s1b += z;
        s2a = BF_VP(v_fma)(y, y, s2a);
        s2b = BF_VP(v_fma)(z, z, s2b);
    }
    if (k < p) {
        BF_VD y = BF_VP(v_load)(x - k) - a;
        s1a += y;
        s2a = BF_VP(v_fma)(y, y, s2a);
    }
    BF_VD inv_p = (BF_VD)(1.0 / (double)p), mean = (s1a + s1b) * inv_p;
    return (s2a + s2b) * inv_p - mean * mean;
}

/* The least-squares slope of the p closes ending at each lane, from the p − 1 differences
 * d[−p+2..0] of those closes (d[0] = c_t − c_{t−1}): summing by parts, TA-Lib's
 * (p·Σxy − Σx·Σy) / (p·Σx² − (Σx)²) equals Σ_j j·(p − j)·d_{t−p+1+j} · 6 / (p·(p² − 1)), j = 1..p−1.
 * The weights j·(p − j) (bf_slope_weights) are exact integers, and differences carry no
 * price-level cancellation. */
BF_VP_INLINE BF_VD BF_VP(v_window_slope)(const double *d, size_t p, const double *weights) {
    /* two partial sums (odd and even j), so the chain is half as long; bf_window_slope_1 is the
     * one-lane twin */
    BF_VD acc_a = (BF_VD)0.0, acc_b = (BF_VD)0.0;
    size_t j = 1;
    for (; j + 1 < p; j += 2) {
        acc_a = BF_VP(v_fma)(BF_VP(v_load)(d - (p - 1 - j)), (BF_VD)weights[j], acc_a);
        acc_b = BF_VP(v_fma)(BF_VP(v_load)(d - (p - 2 - j)), (BF_VD)weights[j + 1], acc_b);
    }
    if (j < p) acc_a = BF_VP(v_fma)(BF_VP(v_load)(d - (p - 1 - j)), (BF_VD)weights[j], acc_a);
    return (acc_a + acc_b) * weights[0];
}

/* Per-kernel vol_20 on this path (vol.c): the fused pass's window variance, lane for lane. */
BF_VP_FN void BF_VP(bf_vol_windows)(const double *x, size_t n, size_t p, double *out) {
    size_t t = 0;
    for (; t < n && (t < p || p == 0); t++) out[t] = NAN;
    if (p == 0) return;
    for (; t + BF_VP_LANES <= n; t += BF_VP_LANES) {
        BF_VD var = BF_VP(v_window_var)(x + t, p);
        BF_VP(v_store)(out + t, __builtin_elementwise_sqrt(var <= 0.0 ? (BF_VD)0.0 : var));
    }
    for (; t < n; t++) {
        double var = bf_window_var_1(x + t, p);
        out[t] = sqrt(var <= 0.0 ? 0.0 : var);
    }
}

/* Per-kernel slope_20 on this path (slope.c): the fused pass's weighted differences, lane for
 * lane. */
BF_VP_FN void BF_VP(bf_slope_windows)(const double *c, size_t n, size_t p, double *out) {
    size_t t = 0;
    for (; t < n && (p < 2 || t + 1 < p); t++) out[t] = NAN;
    if (p < 2 || t >= n) return;
    /* the differences of a chunk of outputs and the p − 2 before them: a small buffer, reused */
    enum { CHUNK = 1024 };
    double *d = malloc((CHUNK + p) * sizeof(double)), *weights = malloc(p * sizeof(double));
    if (d == NULL || weights == NULL) {
        /* no memory for the differences: the one-lane twin gives the same values */
        for (; t < n; t++) out[t] = bf_window_slope_1(c + t, p);
    } else {
        bf_slope_weights(weights, p);
        while (t + BF_VP_LANES <= n) {
            size_t end = t + (BF_VP_MIN(CHUNK, n - t) / BF_VP_LANES) * BF_VP_LANES, base = t - (p - 2);
            for (size_t m = base; m < end; m++) d[m - base] = c[m] - c[m - 1];
            for (size_t u = t; u < end; u += BF_VP_LANES)
                BF_VP(v_store)(out + u, BF_VP(v_window_slope)(d + (u - base), p, weights));
            t = end;
        }
        for (; t < n; t++) out[t] = bf_window_slope_1(c + t, p);
    }
    free(d);
    free(weights);
}

/* One vector of phase A: bars i .. i + k − 1 of the block (k = 8 except in the tail), with ip the
 * reciprocals of their previous closes. */
BF_VP_INLINE void BF_VP(v1_a_core)(const double *h, const double *l, const double *c, bf_v1_scratch *w,
                                   BF_VD ip, size_t i, size_t k, int fast) {
    double *lr = w->logret + BF_V1_HIST, *df = w->diff + BF_V1_HIST;
    BF_VD ct = BF_VP(load)(c + i, k, 1.0), cp = BF_VP(load)(c + i - 1, k, 1.0);
    BF_VD d = ct - cp;
    BF_VP(store)(df + i, d, k);
    BF_VP(store)(w->ret + i, BF_VP(div)(d, cp, ip, fast), k);
    BF_VP(store)(lr + i, BF_VP(v_log_ratio)(BF_VP(div)(ct, cp, ip, fast)), k);
    BF_VP(store)(w->gain + i, d > 0.0 ? d : (BF_VD)0.0, k);
    BF_VP(store)(w->loss + i, d < 0.0 ? -d : (BF_VD)0.0, k);
    BF_VD ht = BF_VP(load)(h + i, k, 1.0), lt = BF_VP(load)(l + i, k, 1.0);
    BF_VD tr = ht - lt, x = BF_VP(v_abs)(cp - ht), y = BF_VP(v_abs)(cp - lt);
    tr = x > tr ? x : tr;
    tr = y > tr ? y : tr;
    BF_VP(store)(w->tr + i, tr, k);
}

BF_VP_INLINE void BF_VP(v1_a_step)(const double *h, const double *l, const double *c, bf_v1_scratch *w,
                                   const double *inv, size_t i, size_t k, int fast) {
    BF_VP(v1_a_core)(h, l, c, w, BF_VP(load)(inv + i, k, 1.0), i, k, fast);
}

/* Phase A over the block's bars [b0, b0 + len) (from t = 1): inv[i] is 1 / c_{t−1} and
 * inv[i + 1] is 1 / c_t. */
BF_VP_INLINE void BF_VP(v1_phase_a)(bf_ohlc in, bf_v1_scratch *w, const double *inv, size_t b0, size_t len,
                                    int fast) {
    const double *h = in.high + b0, *l = in.low + b0, *c = in.close + b0;
    size_t i = 0;
    if (b0 == 0) {
        /* no bar before the run: the windows that reach back this far come out NaN */
        for (size_t q = 0; q <= BF_V1_HIST; q++) w->logret[q] = w->diff[q] = NAN;
        w->ret[0] = NAN;
        w->tr[0] = w->gain[0] = w->loss[0] = 0.0;
        i = 1;
    }
    for (; i + BF_VP_LANES <= len; i += BF_VP_LANES) BF_VP(v1_a_step)(h, l, c, w, inv, i, BF_VP_LANES, fast);
    if (i < len) BF_VP(v1_a_step)(h, l, c, w, inv, i, len - i, fast);
}


/* One vector of phase C: the nine outputs of bars i .. i + k − 1 of the block. */
BF_VP_INLINE void BF_VP(v1_c_step)(const double *c, double *const o[BF_FEATURE_COUNT], const bf_v1_scratch *w,
                                   const double *inv, const double *slope_w, size_t i, size_t k, int fast) {
    const double *lr = w->logret + BF_V1_HIST;
    BF_VD ct = BF_VP(load)(c + i, k, 1.0), it = BF_VP(load)(inv + i + 1, k, 1.0);
    BF_VD atr = BF_VP(load)(w->atr + i, k, 0.0), g = BF_VP(load)(w->ag + i, k, 0.0);
    BF_VD sum = g + BF_VP(load)(w->al + i, k, 0.0);
    BF_VD var = BF_VP(v_window_var)(lr + i, BF_V1_VOL_N);
    BF_VD sma = BF_VP(div)(BF_VP(load)(w->sma_sum + i, k, 0.0), (BF_VD)(double)BF_V1_SMA_N,
                           (BF_VD)(1.0 / BF_V1_SMA_N), fast);
    BF_VP(store)(o[BF_F_RET_1] + i, BF_VP(load)(w->ret + i, k, 0.0), k);
    BF_VP(store)(o[BF_F_LOGRET_1] + i, BF_VP(load)(lr + i, k, 0.0), k);
    BF_VP(store)(o[BF_F_VOL_20] + i, __builtin_elementwise_sqrt(var <= 0.0 ? (BF_VD)0.0 : var), k);
    BF_VP(store)(o[BF_F_ATR_14] + i, atr, k);
    BF_VP(store)(o[BF_F_NATR_14] + i, BF_VP(div_checked)(atr, ct, it, fast) * 100.0, k);
    BF_VP(store)(o[BF_F_SMA_20] + i, sma, k);
    BF_VP(store)(o[BF_F_EMA_20] + i, BF_VP(load)(w->ema + i, k, 0.0), k);
    BF_VP(store)(o[BF_F_RSI_14] + i, sum != 0.0 ? 100.0 * (g / sum) : (BF_VD)0.0, k);
    BF_VP(store)(o[BF_F_SLOPE_20] + i,
                     BF_VP(v_window_slope)(w->diff + BF_V1_HIST + i, BF_V1_SLOPE_N, slope_w), k);
}

/* Phase C: the nine outputs of the block, each written once, in whole vectors. */
BF_VP_INLINE void BF_VP(v1_phase_c)(bf_ohlc in, double *const out[BF_FEATURE_COUNT], const bf_v1_scratch *w,
                                    const double *inv, size_t b0, size_t len, int fast) {
    const double *c = in.close + b0;
    double slope_w[BF_V1_SLOPE_N];
    bf_slope_weights(slope_w, BF_V1_SLOPE_N);
    double *o[BF_FEATURE_COUNT];
    for (int q = 0; q < BF_FEATURE_COUNT; q++) o[q] = out[q] + b0;
    size_t i = 0;
    for (; i + BF_VP_LANES <= len; i += BF_VP_LANES) BF_VP(v1_c_step)(c, o, w, inv, slope_w, i, BF_VP_LANES, fast);
    if (i < len) BF_VP(v1_c_step)(c, o, w, inv, slope_w, i, len - i, fast);
}

/* Phase B in a function of its own: the recurrence chains then live in registers (inlined into
 * the run, the chains were spilled to the stack inside the loop). */
__attribute__((noinline)) BF_VP_ISA static void BF_VP(v1_phase_b)(bf_v1_state *s, const double *c,
                                                                               bf_v1_scratch *w, size_t b0, size_t len) {
    bf_v1_recurrences(s, c, w, b0, len, 1);
}

/* A whole block past the warm-up, software-pipelined in groups of BF_VP_LANES bars: phase A of the next
 * group (with its reciprocals), the chains of this group, phase C of the previous group. The
 * chains are bound by their latency (a dependent add or FMA after another, every bar), so the
 * vector work of phases A and C runs in the cycles they leave idle. inv[0] holds 1 / c_{b0−1};
 * inv[1..] is filled as the groups go. */
__attribute__((noinline)) BF_VP_ISA static void BF_VP(v1_block_pipelined)(
    bf_v1_state *s, bf_ohlc in, double *const out[BF_FEATURE_COUNT], bf_v1_scratch *w, double *inv, size_t b0,
    int fast) {
    const double *h = in.high + b0, *l = in.low + b0, *c = in.close + b0;
    double slope_w[BF_V1_SLOPE_N];
    bf_slope_weights(slope_w, BF_V1_SLOPE_N);
    double *o[BF_FEATURE_COUNT];
    for (int q = 0; q < BF_FEATURE_COUNT; q++) o[q] = out[q] + b0;
    bf_v1_chains ch = bf_v1_chains_load(s);
    /* the reciprocals of the previous group, in a register: its last lane is 1 / c of the bar before */
    BF_VD inv_prev = (BF_VD)inv[0];
    for (size_t i = 0; i <= BF_V1_BLOCK; i += BF_VP_LANES) {
        if (i < BF_V1_BLOCK) {
            /* The next block's inputs, one line per column per group: its validity pass then
             * reads from cache instead of waiting on memory (measured: +15-25 % at 10 M bars;
             * two blocks ahead was slower, and prefetching the outputs for writing slower still). */
            if (i % 8 == 0) { /* one 64-byte line of each column */
                __builtin_prefetch(in.open + b0 + i + BF_V1_BLOCK, 0, 3);
                __builtin_prefetch(h + i + BF_V1_BLOCK, 0, 3);
                __builtin_prefetch(l + i + BF_V1_BLOCK, 0, 3);
                __builtin_prefetch(c + i + BF_V1_BLOCK, 0, 3);
            }
            BF_VD it = 1.0 / BF_VP(v_load)(c + i);
            BF_VP(v_store)(inv + i + 1, it);
            BF_VD ip = BF_VP_SHIFT_IN(inv_prev, it);
            inv_prev = it;
            if (fast) BF_VP(v1_a_core)(h, l, c, w, ip, i, BF_VP_LANES, 1);
            else BF_VP(v1_a_core)(h, l, c, w, ip, i, BF_VP_LANES, 0);
        }
        if (i >= BF_VP_LANES) {
            size_t g = i - BF_VP_LANES;
            for (size_t j = 0; j < BF_VP_LANES; j++) bf_v1_chain_step(&ch, c, w, g + j, 1);
        }
        if (i >= 2 * BF_VP_LANES) {
            size_t g = i - 2 * BF_VP_LANES;
            if (fast) BF_VP(v1_c_step)(c, o, w, inv, slope_w, g, BF_VP_LANES, 1);
            else BF_VP(v1_c_step)(c, o, w, inv, slope_w, g, BF_VP_LANES, 0);
        }
    }
    BF_VP(v1_c_step)(c, o, w, inv, slope_w, BF_V1_BLOCK - BF_VP_LANES, BF_VP_LANES, fast);
    bf_v1_chains_store(s, ch);
}

/* Whether every close the block divides by or sums (c[b0 − 19 .. b0 + len), the SMA's window
 * reaching back) is in the range where the corrected reciprocal is exact. */
BF_VP_INLINE int BF_VP(v1_in_range)(const double *c, size_t b0, size_t len) {
    size_t from = b0 >= BF_V1_SMA_N - 1 ? b0 - (BF_V1_SMA_N - 1) : 0;
    BF_VI ok = (BF_VI)-1;
    size_t t = from;
    for (; t + BF_VP_LANES <= b0 + len; t += BF_VP_LANES) {
        BF_VD ct = BF_VP(v_load)(c + t);
        ok &= (ct >= BF_RECIP_MIN) & (ct <= BF_RECIP_MAX);
    }
    int in_range = BF_VP(v_all)(ok);
    for (; t < b0 + len; t++) in_range &= c[t] >= BF_RECIP_MIN && c[t] <= BF_RECIP_MAX;
    return in_range;
}

/* The reciprocals 1 / c of the block into inv[1..len]. */
BF_VP_INLINE void BF_VP(v1_reciprocals)(const double *c, size_t b0, size_t len, double *inv) {
    for (size_t i = 0; i < len; i += BF_VP_LANES) {
        size_t k = BF_VP_MIN(BF_VP_LANES, len - i);
        BF_VP(store)(inv + 1 + i, 1.0 / BF_VP(load)(c + b0 + i, k, 1.0), k);
    }
}

BF_VP_FN size_t BF_VP(bf_v1_run) BF_V1_RUN_PARAMS {
    const double *c = in.close;
    bf_v1_state st;
    bf_v1_scratch w;
    bf_v1_carry_load(carry, start, &st, &w);
    /* inv[i] = 1 / c[b0 − 1 + i]: the previous bar's reciprocal, then the block's (the same
     * correctly rounded division whichever call computes it). */
    double inv[BF_V1_BLOCK + 1];
    inv[0] = start > 0 ? 1.0 / c[start - 1] : 0.0;
    for (size_t b0 = start; b0 < n; b0 += BF_V1_BLOCK) {
        size_t b1 = BF_VP(first_invalid)(in, b0, BF_VP_MIN(b0 + BF_V1_BLOCK, n));
        if (b1 == b0) return b0;
        size_t len = b1 - b0;
        int fast = BF_VP(v1_in_range)(c, b0, len);
        if (b0 >= BF_V1_WARM && len == BF_V1_BLOCK) {
            BF_VP(v1_block_pipelined)(&st, in, out, &w, inv, b0, fast);
        } else {
            BF_VP(v1_reciprocals)(c, b0, len, inv);
            if (fast) BF_VP(v1_phase_a)(in, &w, inv, b0, len, 1);
            else BF_VP(v1_phase_a)(in, &w, inv, b0, len, 0);
            BF_VP(v1_phase_b)(&st, c, &w, b0, len);
            if (fast) BF_VP(v1_phase_c)(in, out, &w, inv, b0, len, 1);
            else BF_VP(v1_phase_c)(in, out, &w, inv, b0, len, 0);
        }
        bf_v1_keep_history(&w, len);
        inv[0] = inv[len];
        if (b1 < b0 + BF_V1_BLOCK) {
            if (b1 == n) bf_v1_carry_save(carry, &st, &w);
            return b1;
        }
    }
    bf_v1_carry_save(carry, &st, &w);
    return n;
}

#undef BF_VP_CAT2
#undef BF_VP_CAT
#undef BF_VP
#undef BF_VP_ISA
#undef BF_VP_FN
#undef BF_VP_INLINE
#undef BF_VP_MIN
#undef BF_VD
#undef BF_VI
#undef BF_VP_SHIFT_IN
