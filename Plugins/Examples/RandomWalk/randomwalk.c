/*
 * randomwalk.c — an example Backfill provider plugin in plain C.
 *
 * It serves synthetic candles for any symbol: a deterministic random walk that needs no network,
 * no files and no credentials. Use it to learn the ABI, to try the host, and in tests.
 *
 * Build (outside SwiftPM, from the repository root):
 *     cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -I CSources/BackfillABI/include \
 *        -o librandomwalk.so Plugins/Examples/RandomWalk/randomwalk.c
 * Try it:
 *     backfill fetch --plugin-dir . --provider randomwalk --symbol ABC --timeframe 1h \
 *        --start 2024-01-01 --end 2024-01-03
 *
 * Options (`--provider-option key=value`):
 *     seed=N          an integer mixed into every price (default 0): another seed, another market
 *     fail_symbol=S   requests for symbol S answer BF_PERMANENT, so tests can exercise failures
 *
 * What it promises
 *   - A bar at every multiple of the timeframe in [start_ms, end_ms): 1m ... 1d from the epoch,
 *     1w from Monday 00:00 UTC (1970-01-05, epoch day 4).
 *   - Every value is a pure function of (seed, symbol, timeframe, bar start). The same request
 *     gives the same bytes, and pages join seamlessly whatever the page size.
 *   - One price path per symbol, sampled at whole minutes, that every timeframe shares: a bar
 *     opens at the path's value at its start and closes at its value at its end, so a bar's open
 *     is the previous bar's close and a 1h close equals the 1m close of the same minute.
 *   - 0 < low <= min(open, close) <= max(open, close) <= high; low <= vwap <= high;
 *     volume >= 0; trades >= 0.
 *   - Thread-safe: an instance never changes after create, and the only global the plugin writes
 *     is the host services pointer, once, in the entry.
 *
 * No libm: the math below uses only + - * /, so the plugin needs no library beyond libc.
 */
#include "backfill_provider.h"

#include <inttypes.h>
#include <stdio.h> /* snprintf only: a plugin never prints, it logs through the host */
#include <stdlib.h>
#include <string.h>

/* ---- The host ---------------------------------------------------------------------------- */

/* Set once by bf_provider_entry, which the host calls before anything else and from one thread;
 * only read afterwards. The host keeps its services table alive for the life of the process. */
static const bf_host_services *host_services = NULL;

/* Logs one line through the host, if it offered a log service. */
static void host_log(int32_t level, const char *message) {
    const bf_host_services *h = host_services;
    /* An older host's table may end before `log`: read only what struct_size covers. */
    if (h == NULL || h->struct_size < offsetof(bf_host_services, log) + sizeof h->log) return;
    if (h->log != NULL) h->log(h->context, level, message);
}

/* ---- Deterministic randomness ------------------------------------------------------------ */

/* FNV-1a, 64 bit: the symbol as a number. */
static uint64_t fnv1a(const char *text) {
    uint64_t h = 0xcbf29ce484222325u;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        h ^= *p;
        h *= 0x100000001b3u;
    }
    return h;
}

/* splitmix64's step and finalizer: a good 64-bit mix of any 64-bit input. */
static uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* 64 random bits for (key, n). */
static uint64_t hash2(uint64_t key, uint64_t n) { return splitmix64(key ^ splitmix64(n)); }

/* A uniform number in [0, 1) from the top 53 bits. */
static double uniform(uint64_t bits) { return (double)(bits >> 11) * (1.0 / 9007199254740992.0); }

/* An approximately standard normal number: the sum of four uniforms (16 bits each) has mean 2
 * and variance 1/3 (Irwin-Hall); centre and scale it. Good enough for a synthetic market. */
static double gaussian(uint64_t bits) {
    double sum = 0.0;
    for (int i = 0; i < 4; i++) {
        sum += (double)((bits >> (16 * i)) & 0xffffu) * (1.0 / 65536.0);
    }
    return (sum - 2.0) * 1.7320508075688772; /* sqrt(3) */
}

/* ---- The price path ------------------------------------------------------------------------
 *
 * W is a Brownian path on the whole-minute grid, built by midpoint displacement (Lévy's
 * construction): over [lo, hi] the value at the midpoint is the mean of the end values plus a
 * normal displacement with standard deviation sqrt(hi - lo) / 2. Descending from the whole
 * domain to one minute yields W at any minute in PATH_LEVELS steps, from hashes alone, without
 * summing every step before it. Each midpoint is visited at exactly one level, so hashing the
 * midpoint's index alone is enough.
 *
 * The domain is 2^36 minutes (about 130,000 years) centred on the epoch. The price is pinned to
 * the symbol's base price at PATH_ANCHOR_MS so that recent decades look like a market rather than
 * the far end of a 65,000-year walk. */
#define PATH_LEVELS 36
#define PATH_MINUTES ((int64_t)1 << PATH_LEVELS)
#define PATH_MIN_MS (-(PATH_MINUTES / 2) * 60000)
#define PATH_MAX_MS ((PATH_MINUTES / 2) * 60000)
#define PATH_ANCHOR_MS INT64_C(1577836800000) /* 2020-01-01T00:00:00Z */
#define MINUTE_VOLATILITY 0.0005              /* the price moves ~0.05% per minute, ~2% per day */

/* W at a minute index in [0, PATH_MINUTES]. */
static double path_at(uint64_t key, int64_t minute) {
    int64_t lo = 0, hi = PATH_MINUTES;
    double sd = 262144.0; /* sqrt(2^36): the spread of W over the whole domain */
    double w_lo = 0.0, w_hi = sd * gaussian(hash2(key, (uint64_t)hi));
    if (minute <= lo) return w_lo;
    if (minute >= hi) return w_hi;
    for (;;) {
        int64_t mid = lo + (hi - lo) / 2;
        double w_mid = 0.5 * (w_lo + w_hi);
        w_mid += 0.5 * sd * gaussian(hash2(key, (uint64_t)mid));
        if (minute == mid) return w_mid;
        if (minute < mid) {
            hi = mid;
            w_hi = w_mid;
        } else {
            lo = mid;
            w_lo = w_mid;
        }
        sd *= 0.70710678118654752440; /* the interval halved: sqrt(1/2) */
    }
}

/* The minute index of a time (a multiple of 60000 ms within [PATH_MIN_MS, PATH_MAX_MS]). */
static int64_t minute_index(int64_t ms) { return ms / 60000 + PATH_MINUTES / 2; }

/* A price rounded to 4 decimals (x >= 0). Integer rounding keeps the plugin free of libm. */
static double round4(double x) { return (double)(int64_t)(x * 10000.0 + 0.5) / 10000.0; }

/* Everything about one symbol's market that does not depend on time. */
typedef struct walk {
    uint64_t key;          /* seeds the path of this (seed, symbol)                          */
    double base_price;     /* the price at PATH_ANCHOR_MS: 10 .. 510                         */
    double minute_volume;  /* typical volume per minute: 500 .. 5500                         */
    double trade_size;     /* typical shares per trade: 50 .. 150                            */
    double anchor;         /* W at PATH_ANCHOR_MS, subtracted so the price is pinned there    */
} walk;

static walk walk_make(uint64_t seed, const char *symbol) {
    walk w;
    w.key = splitmix64(fnv1a(symbol) ^ splitmix64(seed));
    w.base_price = 10.0 + 500.0 * uniform(hash2(w.key, 1));
    w.minute_volume = 500.0 + 5000.0 * uniform(hash2(w.key, 2));
    w.trade_size = 50.0 + 100.0 * uniform(hash2(w.key, 3));
    w.anchor = path_at(w.key, minute_index(PATH_ANCHOR_MS));
    return w;
}

/* The price at a whole-minute time: always > 0. x -> (x >= 0 ? 1 + x : 1 / (1 - x)) maps the
 * walk to a positive multiplier, continuous and increasing, without exp(). */
static double price_at(const walk *w, int64_t ms) {
    double x = MINUTE_VOLATILITY * (path_at(w->key, minute_index(ms)) - w->anchor);
    double multiplier = x >= 0.0 ? 1.0 + x : 1.0 / (1.0 - x);
    double p = round4(w->base_price * multiplier);
    return p < 0.0001 ? 0.0001 : p;
}

/* ---- Timeframes -------------------------------------------------------------------------- */

static const int64_t bar_ms[BF_TF_COUNT] = {
    60000, 300000, 900000, 1800000, 3600000, 14400000, 86400000, 604800000,
};
static const char *const timeframe_names[BF_TF_COUNT] = {
    "1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w",
};
/* sqrt(bar length in minutes), for how far high and low reach beyond open and close. */
static const double bar_sqrt_minutes[BF_TF_COUNT] = {
    1.0, 2.2360679775, 3.8729833462, 5.4772255751, 7.7459666924, 15.4919333848, 37.9473319220,
    100.3992031841,
};
/* Bars start at multiples of the bar length counted from this time: the epoch, except weeks,
 * which start on Monday 00:00 UTC (1970-01-05, epoch day 4). */
static const int64_t bar_origin_ms[BF_TF_COUNT] = {0, 0, 0, 0, 0, 0, 0, 4 * 86400000LL};

/* The first bar start >= ms (floor division, so negative times work too). */
static int64_t first_bar_at_or_after(int64_t ms, int64_t length, int64_t origin) {
    int64_t offset = ms - origin;
    int64_t q = offset / length;
    if (q * length < offset) q++; /* round up; C division truncates toward zero */
    return origin + q * length;
}

/* Writes the bar starting at `ts` into row `i`. `open` is the path at ts (the previous bar's
 * close); returns this bar's close, the next bar's open. */
static double write_bar(const walk *w, bf_timeframe tf, int64_t ts, double open, bf_candle_sink *sink,
                        uint32_t i) {
    double close = price_at(w, ts + bar_ms[tf]);
    uint64_t bits = hash2(w->key ^ splitmix64((uint64_t)tf + 0x100u), (uint64_t)ts);
    uint64_t more = splitmix64(bits);

    /* High and low reach beyond open and close by up to ~0.8 of a typical bar's move. */
    double reach = 0.8 * MINUTE_VOLATILITY * bar_sqrt_minutes[tf];
    double top = open > close ? open : close;
    double bottom = open < close ? open : close;
    double high = round4(top * (1.0 + reach * uniform(bits)));
    double low = round4(bottom * (1.0 - reach * uniform(more)));
    if (high < top) high = top; /* rounding must not cut into the body */
    if (low > bottom) low = bottom;
    if (low < 0.0001) low = 0.0001;

    double minutes = (double)(bar_ms[tf] / 60000);
    double volume = (double)(int64_t)(w->minute_volume * minutes * (0.5 + uniform(splitmix64(more))));
    double vwap = round4((high + low + 2.0 * close) / 4.0);
    if (vwap < low) vwap = low;
    if (vwap > high) vwap = high;

    sink->ts[i] = ts;
    sink->open[i] = open;
    sink->high[i] = high;
    sink->low[i] = low;
    sink->close[i] = close;
    sink->volume[i] = volume;
    sink->vwap[i] = vwap;
    sink->trades[i] = (int64_t)(volume / w->trade_size);
    return close;
}

/* ---- The instance ------------------------------------------------------------------------ */

/* Configuration, fixed at create: nothing here changes afterwards, which is what makes the
 * plugin thread-safe. */
struct bf_instance {
    uint64_t seed;
    char *fail_symbol; /* NULL when not set */
};

/* Parses a whole decimal integer, optionally signed, into 64 bits (negative values wrap, which
 * is fine for a seed). Returns 0 on empty text, junk or overflow. */
static int parse_seed(const char *text, uint64_t *out) {
    const char *p = text;
    int negative = 0;
    if (*p == '-' || *p == '+') negative = *p++ == '-';
    if (*p == '\0') return 0;
    uint64_t v = 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') return 0;
        uint64_t digit = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) return 0;
        v = v * 10 + digit;
    }
    *out = negative ? (uint64_t)0 - v : v;
    return 1;
}

static bf_status rw_create(const bf_config_entry *config, size_t config_count, bf_instance **out,
                           char *message, size_t message_capacity) {
    if (out == NULL) {
        bf_write_message(message, message_capacity, "create called without an out pointer");
        return BF_BAD_REQUEST;
    }
    *out = NULL;
    char text[256];
    /* Reject unknown keys: a typo (`fail_symbl=X`) should not silently do nothing. */
    for (size_t i = 0; i < config_count; i++) {
        const char *key = config[i].key != NULL ? config[i].key : "";
        if (strcmp(key, "seed") != 0 && strcmp(key, "fail_symbol") != 0) {
            snprintf(text, sizeof text, "unknown option '%.64s'; valid: seed, fail_symbol", key);
            bf_write_message(message, message_capacity, text);
            return BF_BAD_REQUEST;
        }
    }

    uint64_t seed = 0;
    const char *seed_text = bf_config_get(config, config_count, "seed");
    if (seed_text != NULL && !parse_seed(seed_text, &seed)) {
        snprintf(text, sizeof text, "option seed='%.64s' must be a whole number", seed_text);
        bf_write_message(message, message_capacity, text);
        return BF_BAD_REQUEST;
    }

    bf_instance *instance = malloc(sizeof *instance);
    if (instance == NULL) {
        bf_write_message(message, message_capacity, "out of memory");
        return BF_PERMANENT;
    }
    instance->seed = seed;
    instance->fail_symbol = NULL;
    /* Strings passed in are valid only during the call: copy what we keep. */
    const char *fail = bf_config_get(config, config_count, "fail_symbol");
    if (fail != NULL && fail[0] != '\0') {
        size_t n = strlen(fail) + 1;
        instance->fail_symbol = malloc(n);
        if (instance->fail_symbol == NULL) {
            free(instance);
            bf_write_message(message, message_capacity, "out of memory");
            return BF_PERMANENT;
        }
        memcpy(instance->fail_symbol, fail, n);
    }
    *out = instance;
    return BF_OK;
}

static void rw_destroy(bf_instance *instance) {
    if (instance == NULL) return;
    free(instance->fail_symbol);
    free(instance);
}

/* ---- Fetching one page ------------------------------------------------------------------- */

/* Ends a failed call: no rows, no next page, a one-line message. Messages do not repeat the
 * plugin's name: the host already says which provider answered. */
static bf_status fail(bf_page_result *result, bf_status status, const char *message) {
    result->count = 0;
    bf_write_message(result->next_cursor, result->next_cursor_capacity, "");
    bf_write_message(result->message, result->message_capacity, message);
    return status;
}

/* Parses a cursor this plugin wrote: the decimal ms time of the next bar. */
static int parse_cursor(const char *text, int64_t *out) {
    const char *p = text;
    int negative = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    if (*p == '\0') return 0;
    int64_t v = 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10) return 0;
        v = v * 10 + (*p - '0');
    }
    *out = negative ? -v : v;
    return 1;
}

static bf_status rw_fetch_candles(bf_instance *instance, const bf_candle_request *request,
                                  bf_candle_sink *sink, bf_page_result *result) {
    if (result == NULL) return BF_BAD_REQUEST; /* nowhere to say why */
    if (result->struct_size < sizeof *result) return BF_BAD_REQUEST;
    result->count = 0;
    result->rejected = 0;
    result->retry_after_ms = -1;

    /* Validate the call before reading anything it points to. A struct smaller than ours comes
     * from a host older than this plugin's ABI version; 1.0 is the oldest, so that is a bug. */
    if (instance == NULL || request == NULL || sink == NULL) {
        return fail(result, BF_BAD_REQUEST, "missing instance, request or sink");
    }
    if (request->struct_size < sizeof *request || sink->struct_size < sizeof *sink) {
        return fail(result, BF_BAD_REQUEST, "request or sink struct too small");
    }
    if (request->symbol == NULL || request->symbol[0] == '\0') {
        return fail(result, BF_BAD_REQUEST, "request without a symbol");
    }
    if (request->timeframe < 0 || request->timeframe >= BF_TF_COUNT) {
        return fail(result, BF_BAD_REQUEST, "unknown timeframe");
    }
    if (request->start_ms >= request->end_ms || request->start_ms < PATH_MIN_MS ||
        request->end_ms > PATH_MAX_MS) {
        return fail(result, BF_BAD_REQUEST, "start must be before end, both within 65,000 years of 1970");
    }
    if (sink->ts == NULL || sink->open == NULL || sink->high == NULL || sink->low == NULL ||
        sink->close == NULL || sink->volume == NULL || sink->vwap == NULL || sink->trades == NULL) {
        return fail(result, BF_BAD_REQUEST, "sink without columns");
    }
    /* The longest cursor is "-" plus 19 digits plus the NUL. */
    if (result->next_cursor == NULL || result->next_cursor_capacity < 21) {
        return fail(result, BF_BAD_REQUEST, "cursor buffer too small");
    }

    /* A vendor plugin would send request->ticker (the user's vendor-specific name) when it is
     * set; the synthetic market has no vendor, so the host's symbol names it. */
    const char *symbol = request->symbol;
    char text[256];
    if (instance->fail_symbol != NULL && strcmp(symbol, instance->fail_symbol) == 0) {
        snprintf(text, sizeof text, "injected failure for %.40s (option fail_symbol)", symbol);
        return fail(result, BF_PERMANENT, text);
    }

    /* The page holds at most min(page_limit, capacity) rows (0 means "as many as fit"). */
    uint32_t limit = sink->capacity;
    if (request->page_limit != 0 && request->page_limit < limit) limit = request->page_limit;
    if (limit == 0) return fail(result, BF_BAD_REQUEST, "the sink has no room");

    bf_timeframe tf = request->timeframe;
    int64_t length = bar_ms[tf];
    int64_t first = first_bar_at_or_after(request->start_ms, length, bar_origin_ms[tf]);
    int64_t ts = first;
    if (request->cursor != NULL && request->cursor[0] != '\0') {
        /* Only accept cursors this plugin could have written for this request. */
        if (!parse_cursor(request->cursor, &ts) || ts < first || ts >= request->end_ms ||
            (ts - first) % length != 0) {
            snprintf(text, sizeof text, "invalid cursor '%.40s'", request->cursor);
            return fail(result, BF_BAD_REQUEST, text);
        }
    } else if (first >= request->end_ms) {
        /* The range is shorter than a bar and holds no bar start: nothing at all to serve. */
        snprintf(text, sizeof text, "no %s bar starts in the requested range", timeframe_names[tf]);
        return fail(result, BF_NO_DATA, text);
    }

    walk w = walk_make(instance->seed, symbol);
    int64_t page_start = ts;
    double open = price_at(&w, ts);
    uint32_t count = 0;
    while (count < limit && ts < request->end_ms) {
        open = write_bar(&w, tf, ts, open, sink, count);
        count++;
        ts += length;
    }

    result->count = count;
    char cursor[32] = "";
    if (ts < request->end_ms) snprintf(cursor, sizeof cursor, "%" PRId64, ts);
    bf_write_message(result->next_cursor, result->next_cursor_capacity, cursor);
    bf_write_message(result->message, result->message_capacity, "");

    /* Log lines do name the plugin: the host prints them as they come. */
    snprintf(text, sizeof text, "randomwalk: %.40s %s: %" PRIu32 " bars from %" PRId64 ", next '%s'", symbol,
             timeframe_names[tf], count, page_start, cursor);
    host_log(BF_LOG_DEBUG, text);
    return BF_OK;
}

/* ---- The descriptor and the entry -------------------------------------------------------- */

/* The options create accepts, for `backfill providers` and each run's record (ABI 1.1). */
static const bf_option_spec options[] = {
    {"seed", "0", 0, "an integer mixed into every price: another seed, another market"},
    {"fail_symbol", NULL, 0, "requests for this symbol fail permanently (for testing failure handling)"},
    {NULL, NULL, 0, NULL},
};

/* Constant data: the host reads it, never writes it; it lives as long as the process. */
static const bf_provider_descriptor descriptor = {
    .struct_size = sizeof(bf_provider_descriptor),
    .abi_version = BF_ABI_VERSION,
    .name = "randomwalk",
    .version = "1.0.0",
    .description = "Deterministic synthetic random-walk candles for any symbol (an example in C)",
    .capabilities = BF_CAP_CANDLES | BF_CAP_THREAD_SAFE,
    .timeframes = BF_TF_ALL,
    .daily_stamp = BF_DAILY_STAMP_UTC_MIDNIGHT,
    .default_rate = 0.0, /* no vendor, no limit */
    .four_hour_anchor = BF_ANCHOR_4H_UTC_MIDNIGHT,
    .max_page_rows = 100000,
    .create = rw_create,
    .destroy = rw_destroy,
    .fetch_candles = rw_fetch_candles,
    .fetch_events = NULL, /* no BF_CAP_SPLITS / BF_CAP_DIVIDENDS */
    .options = options,
};

/* The one exported symbol. Agree the major version first; everything else follows. */
const bf_provider_descriptor *bf_provider_entry(uint32_t host_abi_version, const bf_host_services *host) {
    if (BF_ABI_MAJOR(host_abi_version) != BF_ABI_VERSION_MAJOR) return NULL;
    host_services = host;
    return &descriptor;
}
