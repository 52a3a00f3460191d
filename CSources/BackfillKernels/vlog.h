/* log() for 4 doubles at once with AVX2+FMA, for the AVX2 path of logret_1.
 *
 * The algorithm is the classic argument reduction and polynomial of fdlibm's e_log.c (published
 * error bound < 1 ulp; the coefficients Lg1..Lg7 and ln2_hi/ln2_lo are its published constants),
 * written here for 4 lanes: x = m·2^k with m in [√2/2, √2), f = m − 1, s = f/(2 + f),
 * R(s²) ≈ log((1+s)/(1−s)) − 2s, log x = k·ln2_hi − ((f²/2 − (s·(f²/2 + R) + k·ln2_lo)) − f).
 * Only for positive, finite, normal x (the caller checks and falls back to libm otherwise). The
 * scalar path keeps libm's log, so its logret_1 stays bit-identical to TA-Lib's. */
#ifndef BACKFILL_VLOG_H
#define BACKFILL_VLOG_H

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"), always_inline)) static inline __m256d bf_log4(__m256d x) {
    const __m256d one = _mm256_set1_pd(1.0), half = _mm256_set1_pd(0.5), two = _mm256_set1_pd(2.0);
    const __m256d sqrt2 = _mm256_set1_pd(1.41421356237309504880);
    __m256i bits = _mm256_castpd_si256(x);
    /* exponent k and mantissa m in [1, 2) */
    __m256i e = _mm256_srli_epi64(bits, 52);
    __m256i mant_bits = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL)),
                                        _mm256_set1_epi64x(0x3FF0000000000000LL));
    __m256d m = _mm256_castsi256_pd(mant_bits);
    /* k as double: exponent field − 1023 (via the magic-number conversion of small integers) */
    __m256d kd = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(e, _mm256_castpd_si256(_mm256_set1_pd(4503599627370496.0)))),
                               _mm256_set1_pd(4503599627370496.0 + 1023.0));
    __m256d big = _mm256_cmp_pd(m, sqrt2, _CMP_GT_OQ);
    m = _mm256_blendv_pd(m, _mm256_mul_pd(m, half), big);
    kd = _mm256_add_pd(kd, _mm256_and_pd(big, one));
    __m256d f = _mm256_sub_pd(m, one);
    __m256d s = _mm256_div_pd(f, _mm256_add_pd(two, f));
    __m256d z = _mm256_mul_pd(s, s), w = _mm256_mul_pd(z, z);
    __m256d t1 = _mm256_fmadd_pd(w, _mm256_set1_pd(1.531383769920937332e-01), _mm256_set1_pd(2.222219843214978396e-01));
    t1 = _mm256_fmadd_pd(w, t1, _mm256_set1_pd(3.999999999940941908e-01));
    t1 = _mm256_mul_pd(w, t1);
    __m256d t2 = _mm256_fmadd_pd(w, _mm256_set1_pd(1.479819860511658591e-01), _mm256_set1_pd(1.818357216161805012e-01));
    t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(2.857142874366239149e-01));
    t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(6.666666666666735130e-01));
    t2 = _mm256_mul_pd(z, t2);
    __m256d r = _mm256_add_pd(t2, t1);
    __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(half, f), f);
    __m256d inner = _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, r), _mm256_mul_pd(kd, _mm256_set1_pd(1.90821492927058770002e-10)));
    __m256d res = _mm256_sub_pd(_mm256_sub_pd(hfsq, inner), f);
    return _mm256_fmsub_pd(kd, _mm256_set1_pd(6.93147180369123816490e-01), res);
}

/* out[i] = log(num[i] / den[i]) for i in [0, n); lanes outside the safe range use libm. */
__attribute__((target("avx2,fma"), unused)) static void bf_log_ratio_avx2(const double *num, const double *den,
                                                                          double *out, size_t n) {
    size_t i = 0;
    const __m256d lo = _mm256_set1_pd(1e-300), hi = _mm256_set1_pd(1e300);
    for (; i + 4 <= n; i += 4) {
        __m256d x = _mm256_div_pd(_mm256_loadu_pd(num + i), _mm256_loadu_pd(den + i));
        __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x, lo, _CMP_GT_OQ), _mm256_cmp_pd(x, hi, _CMP_LT_OQ));
        if (_mm256_movemask_pd(ok) == 0xF) {
            _mm256_storeu_pd(out + i, bf_log4(x));
        } else {
            for (size_t j = i; j < i + 4; j++) out[j] = log(num[j] / den[j]);
        }
    }
    for (; i < n; i++) out[i] = log(num[i] / den[i]);
}
#endif
#endif
