// Civil-date arithmetic after Howard Hinnant's public-domain description of the algorithms
// ("chrono-compatible low-level date algorithms"); written here from the formulas.
#include "backfill_text.h"

#include <stdlib.h>
#include <string.h>

int64_t bf_days_from_civil(int32_t year, int32_t month, int32_t day) {
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = month > 2 ? month - 3 : month + 9;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void bf_civil_from_days(int64_t days, int32_t *year, int32_t *month, int32_t *day) {
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int32_t)(yoe + era * 400 + (m <= 2));
    *month = (int32_t)m;
    *day = (int32_t)d;
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *out) {
    if (at + count > n) return 0;
    int v = 0;
    for (size_t i = at; i < at + count; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int days_in_month(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return days[m - 1];
}

int bf_parse_int64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    int negative = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        i = 1;
    }
    if (i == n || n - i > 18) return 0;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = negative ? -v : v;
    return 1;
}

int bf_parse_time(const char *s, size_t n, int64_t *out) {
    int y, mo, d, hh = 0, mm = 0, ss = 0;
    if (n >= 10 && s[4] == '-' && digits(s, n, 0, 4, &y)) {
        if (s[7] != '-' || !digits(s, n, 5, 2, &mo) || !digits(s, n, 8, 2, &d)) return 0;
        if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return 0;
        int64_t ms = bf_days_from_civil(y, mo, d) * 86400000LL;
        size_t i = 10;
        if (i < n) {
            if (s[i] != 'T' && s[i] != ' ') return 0;
            if (!digits(s, n, i + 1, 2, &hh) || i + 3 >= n || s[i + 3] != ':' ||
                !digits(s, n, i + 4, 2, &mm) || hh > 23 || mm > 59)
                return 0;
            i += 6;
            if (i < n && s[i] == ':') {
                if (!digits(s, n, i + 1, 2, &ss) || ss > 59) return 0;
                i += 3;
                if (i < n && s[i] == '.') {
                    i++;
                    size_t begin = i;
                    int64_t scale = 100;
                    while (i < n && s[i] >= '0' && s[i] <= '9') {
                        ms += (s[i] - '0') * scale;
                        scale /= 10;
                        i++;
                    }
                    if (i == begin) return 0;
                }
            }
            ms += ((int64_t)hh * 3600 + mm * 60 + ss) * 1000;
            if (i < n && s[i] == 'Z') {
                i++;
            } else if (i + 6 == n && s[i] == '+' && memcmp(s + i, "+00:00", 6) == 0) {
                i += 6;
            }
            if (i != n) return 0;
        }
        *out = ms;
        return 1;
    }
    return bf_parse_int64(s, n, out);
}

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Fast path (Clinger): at most 15 significant digits (leading zeros counted, conservatively) and
 * a decimal exponent within ±22 give the correctly rounded double with one multiply or divide of
 * exact doubles. Everything else (and "nan", "inf") goes to strtod. */
size_t bf_scan_double(const char *s, size_t n, double *out) {
    const char *p = s, *end = s + n;
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
    unsigned long long mant = 0;
    const char *d0 = p;
    while (p < end && (unsigned)(*p - '0') < 10u) mant = mant * 10 + (unsigned)(*p++ - '0');
    int digits = (int)(p - d0), exp10 = 0;
    if (p < end && *p == '.') {
        const char *f = ++p;
        while (p < end && (unsigned)(*p - '0') < 10u) mant = mant * 10 + (unsigned)(*p++ - '0');
        exp10 = -(int)(p - f);
        digits += (int)(p - f);
    }
    if (digits > 0 && p < end && (*p == 'e' || *p == 'E')) {
        const char *e0 = p++;
        int eneg = 0, e = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        const char *ed = p;
        while (p < end && (unsigned)(*p - '0') < 10u) {
            if (e < 10000) e = e * 10 + (*p - '0');
            p++;
        }
        if (p == ed) p = e0; /* "1e" is not an exponent: stop before the e */
        else exp10 += eneg ? -e : e;
    }
    if (digits == 0) return 0;
    if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
        *out = negative ? -v : v;
        return (size_t)(p - s);
    }
    /* Slow path: strtod over the same extent (correctly rounded). */
    size_t len = (size_t)(p - s);
    char buffer[64];
    if (len >= sizeof buffer) return 0;
    memcpy(buffer, s, len);
    buffer[len] = '\0';
    char *stop = NULL;
    double v = strtod(buffer, &stop);
    if (stop != buffer + len) return 0;
    *out = v;
    return len;
}

int bf_parse_double(const char *s, size_t n, double *out) {
    double v;
    if (n > 0 && bf_scan_double(s, n, &v) == n) {
        *out = v;
        return 1;
    }
    /* "nan", "inf", "infinity" (so validation can name them); never hexadecimal. */
    char buffer[64];
    if (n == 0 || n >= sizeof buffer) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '+') || c == 'x' || c == 'X') return 0;
    }
    memcpy(buffer, s, n);
    buffer[n] = '\0';
    char *stop = NULL;
    v = strtod(buffer, &stop);
    if (stop != buffer + n || v == v && v < 1e308 && v > -1e308) return 0;
    *out = v;
    return 1;
}
