/*
 * backfill_provider.h — the Backfill provider plugin ABI.
 *
 * A provider plugin is a shared object (`.so` / `.dylib`) that exports ONE function,
 * `bf_provider_entry`. The host (the `backfill` program) dlopens the file, calls the entry with the
 * ABI version it speaks and a table of host services, and receives a descriptor: the provider's
 * name, capabilities, the timeframes it serves, its default request rate and its functions.
 *
 * This header depends only on the C standard headers. Compile a plugin against it with
 *     cc -shared -fPIC -I<backfill>/CSources/BackfillABI/include -o libmyvendor.so myvendor.c
 *
 * ---------------------------------------------------------------------------------------------
 * Versioning
 *   BF_ABI_VERSION = (major << 16) | minor. The major version is agreed before anything else:
 *   the entry receives the host's version and returns NULL when its major differs; the host
 *   refuses a descriptor whose major differs from its own. Within a major version structs only
 *   grow at the end and every struct opens with `struct_size`, so a plugin built against an
 *   older minor version still loads (the host reads only the fields that `struct_size` covers),
 *   and a newer plugin on an older host works too (the host ignores the fields it does not know).
 *
 * Ownership ("whoever allocates frees")
 *   - The descriptor and every string in it are owned by the plugin and must stay valid until
 *     the process exits (the host never dlcloses a provider).
 *   - The host owns every candle buffer: the columns of `bf_candle_sink` are allocated by the
 *     host; the plugin writes at most `capacity` rows into them and reports how many.
 *   - Message and cursor buffers are provided by the caller with their capacity; the plugin
 *     writes a NUL-terminated string, truncated to fit.
 *   - Strings passed to the plugin (configuration, symbol, cursor) are valid only during the
 *     call; copy what you keep.
 *   - An instance made by `create` is released only by the same plugin's `destroy`.
 *   - The host services table passed to the entry (and its context) stays valid until the
 *     process exits: a plugin may keep the pointer.
 *
 * Threads
 *   - `bf_provider_entry` is called once, before anything else, from one thread.
 *   - `create` and `destroy` are never called concurrently with any other call on the same
 *     instance.
 *   - `fetch_candles` and `fetch_events` may be called from any host thread. When the descriptor
 *     has BF_CAP_THREAD_SAFE the host may call them concurrently on one instance; without it, the
 *     host serializes all calls on an instance.
 *   - The host's `log` service may be called from any thread at any time after the entry.
 *
 * Errors
 *   Every call returns a bf_status. Nothing else crosses the boundary: no C++ exception, no Swift
 *   error, no abort(), no printing to stdout/stderr (use the host's `log`). Messages must not
 *   contain secrets (API keys, passwords).
 *
 * Policy lives in the host
 *   The host rate-limits every call to fetch_candles / fetch_events (one call = one request to the
 *   vendor = one page), retries rate-limited and transient answers with backoff, validates rows
 *   and stores them. A plugin only translates one request into its vendor's API and reports
 *   what happened.
 * ---------------------------------------------------------------------------------------------
 */
#ifndef BACKFILL_PROVIDER_H
#define BACKFILL_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BF_ABI_VERSION_MAJOR 1
#define BF_ABI_VERSION_MINOR 4
#define BF_ABI_VERSION ((uint32_t)((BF_ABI_VERSION_MAJOR << 16) | BF_ABI_VERSION_MINOR))
#define BF_ABI_MAJOR(v) ((uint32_t)(v) >> 16)
#define BF_ABI_MINOR(v) ((uint32_t)(v)&0xffffu)

/* The name of the one exported function. */
#define BF_PROVIDER_ENTRY_SYMBOL "bf_provider_entry"

/* ---- Status codes: what every call returns ------------------------------------------------ */
typedef int32_t bf_status;
enum {
    BF_OK = 0,              /* success: the page / events were delivered                        */
    BF_NO_DATA = 1,         /* the vendor answered and has nothing for this request             */
    BF_RATE_LIMITED = 2,    /* slow down; set retry_after_ms when the vendor said how long       */
    BF_TRANSIENT = 3,       /* timeout, 5xx, reset, truncated body: the same request may succeed  */
    BF_UNAUTHORIZED = 4,    /* missing or invalid credentials: not retried                       */
    BF_NOT_ENTITLED = 5,    /* credentials valid but the plan does not cover this: not retried   */
    BF_BAD_REQUEST = 6,     /* the request itself is wrong (unknown symbol, bad range/config)    */
    BF_PERMANENT = 7,       /* any other failure that retrying will not fix                      */
};

/* ---- Timeframes ---------------------------------------------------------------------------- */
typedef int32_t bf_timeframe;
enum {
    BF_TF_1M = 0,
    BF_TF_5M = 1,
    BF_TF_15M = 2,
    BF_TF_30M = 3,
    BF_TF_1H = 4,
    BF_TF_4H = 5,
    BF_TF_1D = 6,
    BF_TF_1W = 7,
    BF_TF_COUNT = 8,
};
#define BF_TF_BIT(tf) (1u << (uint32_t)(tf))
#define BF_TF_ALL ((uint32_t)((1u << BF_TF_COUNT) - 1u))

/* ---- Asset classes ------------------------------------------------------------------------- */
typedef int32_t bf_asset_class;
enum {
    BF_ASSET_STOCK = 0,
    BF_ASSET_ETF = 1,
    BF_ASSET_CRYPTO = 2,
    BF_ASSET_FOREX = 3,
    BF_ASSET_INDEX = 4,
};

/* ---- Capabilities (descriptor.capabilities bit flags) -------------------------------------- */
#define BF_CAP_CANDLES ((uint64_t)1 << 0)
#define BF_CAP_SPLITS ((uint64_t)1 << 1)
#define BF_CAP_DIVIDENDS ((uint64_t)1 << 2)
#define BF_CAP_THREAD_SAFE ((uint64_t)1 << 3)
#define BF_CAP_EARNINGS ((uint64_t)1 << 4) /* ABI 1.2: fetch_events delivers BF_EVENT_EARNINGS */
#define BF_CAP_TICKER_CHANGES ((uint64_t)1 << 5) /* ABI 1.3: fetch_events delivers BF_EVENT_TICKER_CHANGE */
#define BF_CAP_LISTINGS ((uint64_t)1 << 6) /* ABI 1.4: fetch_events delivers BF_EVENT_LISTING / _DELISTING */

/* ---- How the provider stamps bars (the host's calendar needs to know) ----------------------- */
enum {
    /* Daily bars: stamped at 00:00 UTC of the session date (most files) ... */
    BF_DAILY_STAMP_UTC_MIDNIGHT = 0,
    /* ... or at 00:00 America/New_York of the session date (Polygon, stocks). */
    BF_DAILY_STAMP_NEW_YORK_MIDNIGHT = 1,
};
enum {
    /* 4h bars start at multiples of 4 hours from 00:00 UTC ... */
    BF_ANCHOR_4H_UTC_MIDNIGHT = 0,
    /* ... or from 00:00 America/New_York (Polygon). */
    BF_ANCHOR_4H_NEW_YORK_MIDNIGHT = 1,
};

/* ---- Log levels for the host's log service -------------------------------------------------- */
enum {
    BF_LOG_DEBUG = 0,
    BF_LOG_INFO = 1,
    BF_LOG_WARNING = 2,
    BF_LOG_ERROR = 3,
};

/* ---- Host services: what the host offers the plugin ----------------------------------------- */
typedef struct bf_host_services {
    uint32_t struct_size; /* sizeof(bf_host_services) as the host knows it                      */
    uint32_t abi_version; /* BF_ABI_VERSION of the host                                          */
    void *context;        /* pass back as the first argument of every service                     */
    /* Log one line (no trailing newline needed). Thread-safe. `message` is copied. */
    void (*log)(void *context, int32_t level, const char *message);
} bf_host_services;

/* ---- Configuration: key/value strings (e.g. root=/data/replay, api_key=...) ---------------- */
typedef struct bf_config_entry {
    const char *key;
    const char *value;
} bf_config_entry;

/* Opaque provider instance, defined by each plugin. */
typedef struct bf_instance bf_instance;

/* ---- A candle request: symbol S, timeframe T, range [start_ms, end_ms) ---------------------- */
typedef struct bf_candle_request {
    uint32_t struct_size;
    uint32_t page_limit;        /* rows wanted at most in this page (never above sink capacity)  */
    const char *symbol;         /* the host's symbol, validated: [A-Za-z0-9.:_-], 1..32 chars     */
    const char *ticker;         /* the provider-specific ticker when the user set one, else NULL */
    bf_asset_class asset_class;
    bf_timeframe timeframe;
    int64_t start_ms;           /* inclusive, epoch milliseconds UTC                              */
    int64_t end_ms;             /* exclusive                                                       */
    const char *cursor;         /* NULL or "" for the first page; else what the previous page set */
} bf_candle_request;

/* ---- The sink: host-owned column buffers one page is written into --------------------------- */
typedef struct bf_candle_sink {
    uint32_t struct_size;
    uint32_t capacity;  /* rows every column below can hold                                      */
    int64_t *ts;        /* bar START, epoch milliseconds UTC, ascending                          */
    double *open;
    double *high;
    double *low;
    double *close;
    double *volume;
    double *vwap;       /* write NaN where the vendor gives no VWAP                              */
    int64_t *trades;    /* write -1 where the vendor gives no trade count                        */
} bf_candle_sink;

/* ---- What a page call reports besides its status --------------------------------------------- */
typedef struct bf_page_result {
    uint32_t struct_size;
    uint32_t count;          /* rows written into the sink                                       */
    uint32_t rejected;       /* malformed source rows skipped (each logged with where it was)    */
    uint32_t reserved;
    int64_t retry_after_ms;  /* with BF_RATE_LIMITED: how long the vendor asked to wait, or -1   */
    char *next_cursor;       /* host buffer: write the cursor of the next page, "" when done     */
    size_t next_cursor_capacity;
    char *message;           /* host buffer: a one-line message on failure (no secrets)          */
    size_t message_capacity;
    /* ---- ABI 1.4 (write only when BF_PAGE_HAS_REQUEST_ID(result)) ---- */
    char *request_id;        /* host buffer: the vendor's id of this request (Polygon's           */
    size_t request_id_capacity; /* request_id), "" when it gives none; the host keeps it as the
                                 * stored range's provenance                                       */
} bf_page_result;

/* Whether the host's page result has the ABI 1.4 request id buffer. */
#define BF_PAGE_HAS_REQUEST_ID(r) \
    ((r)->struct_size >= offsetof(bf_page_result, request_id_capacity) + sizeof(size_t) && (r)->request_id != NULL)

/* ---- Corporate events ------------------------------------------------------------------------ */
enum {
    BF_EVENT_SPLIT = 1,
    BF_EVENT_DIVIDEND = 2,
    BF_EVENT_EARNINGS = 3, /* ABI 1.2 */
    BF_EVENT_TICKER_CHANGE = 4, /* ABI 1.3 */
    BF_EVENT_LISTING = 5,       /* ABI 1.4: ex_date_ms is the first trading day (00:00 UTC)      */
    BF_EVENT_DELISTING = 6,     /* ABI 1.4: ex_date_ms is the last trading day (00:00 UTC)       */
};

/* When an earnings report came out, relative to the regular session of its date (ABI 1.2). */
enum {
    BF_REPORT_TIME_UNKNOWN = 0,
    BF_REPORT_BEFORE_OPEN = 1,
    BF_REPORT_AFTER_CLOSE = 2,
    BF_REPORT_DURING_MARKET = 3,
};

typedef struct bf_event {
    uint32_t struct_size;
    int32_t kind;                /* BF_EVENT_*                                                     */
    int64_t ex_date_ms;          /* execution / ex-dividend date, 00:00 UTC of that date           */
    double split_from;           /* split: `split_from` old shares become `split_to` new ones       */
    double split_to;
    double cash_amount;          /* dividend per share, in `currency`                              */
    int64_t pay_date_ms;         /* dividend dates, INT64_MIN when unknown                         */
    int64_t record_date_ms;
    int64_t declaration_date_ms;
    char currency[8];            /* ISO 4217, NUL-terminated, "" when unknown                      */
    /* ABI 1.2: earnings (kind BF_EVENT_EARNINGS; ex_date_ms is the report date, 00:00 UTC of the
     * exchange's date). A 1.1 plugin's shorter event has none of these; the host reads them only
     * when struct_size covers them. Numbers NaN when the provider gives none. */
    int32_t report_time;         /* BF_REPORT_*                                                    */
    int32_t fiscal_year;         /* e.g. 2024; 0 when unknown                                      */
    char fiscal_period[8];       /* "Q1".."Q4", "H1", "H2", "FY", NUL-terminated; "" when unknown   */
    double eps_estimate;         /* earnings per share, in `currency`                              */
    double eps_actual;
    double revenue_estimate;     /* revenue, in `currency`                                         */
    double revenue_actual;
    /* ABI 1.3: a ticker change (kind BF_EVENT_TICKER_CHANGE): from ex_date_ms (00:00 UTC of the
     * first day it traded under it) the security trades as `ticker`, in the provider's own
     * notation, NUL-terminated. A provider reports the whole chain, the first listing's ticker
     * included (FB from 2012-05-18, META from 2022-06-11). */
    char ticker[32];
} bf_event;

typedef struct bf_event_request {
    uint32_t struct_size;
    uint32_t kinds;              /* bits (1 << BF_EVENT_SPLIT), (1 << BF_EVENT_DIVIDEND), and (ABI 1.2,
                                    only to a provider with BF_CAP_EARNINGS) (1 << BF_EVENT_EARNINGS),
                                    (ABI 1.3, only to a provider with BF_CAP_TICKER_CHANGES, always
                                    alone and over all time: start_ms INT64_MIN, end_ms INT64_MAX)
                                    (1 << BF_EVENT_TICKER_CHANGE) */
    const char *symbol;
    const char *ticker;          /* NULL unless the user set a provider ticker                     */
    bf_asset_class asset_class;
    int32_t reserved;
    int64_t start_ms;            /* events whose ex (or report) date falls in [start_ms, end_ms)   */
    int64_t end_ms;
    const char *cursor;          /* NULL or "" for the first page                                  */
} bf_event_request;

/* The host's receiver of events: called once per event during fetch_events. The event is
 * copied; return BF_OK to go on (anything else asks the plugin to stop and return). */
typedef struct bf_event_sink {
    uint32_t struct_size;
    uint32_t reserved;
    void *context;
    bf_status (*emit)(void *context, const bf_event *event);
} bf_event_sink;

/* ---- Options (ABI 1.1) --------------------------------------------------------------------------- */
/* One option `create` accepts. `default_value` is the value the provider uses when the option is
 * not given, or NULL when that depends on something the host cannot see (an environment
 * variable, a file) or there is none. `secret` options (keys, passwords) are never printed or
 * recorded. The host lists the options (`backfill providers`) and records, for every run, the
 * value each option had: the one given, else its default (so a run says which `adjusted` it
 * fetched even when nobody passed it). */
typedef struct bf_option_spec {
    const char *name;          /* as passed in bf_config_entry.key                            */
    const char *default_value; /* NULL: none, or not known statically (see help)               */
    int32_t secret;            /* non-zero: never shown or recorded                             */
    const char *help;          /* one line                                                      */
} bf_option_spec;

/* ---- The descriptor the entry returns ---------------------------------------------------------- */
typedef struct bf_provider_descriptor {
    uint32_t struct_size;        /* sizeof(bf_provider_descriptor) as the plugin was built         */
    uint32_t abi_version;        /* BF_ABI_VERSION the plugin was built against                    */
    const char *name;            /* unique, lower case, e.g. "polygon", "replay"                    */
    const char *version;         /* the plugin's own version, e.g. "1.2.0"                          */
    const char *description;     /* one line                                                        */
    uint64_t capabilities;       /* BF_CAP_* flags                                                  */
    uint32_t timeframes;         /* BF_TF_BIT(...) of every timeframe served                        */
    int32_t daily_stamp;         /* BF_DAILY_STAMP_*                                                 */
    double default_rate;         /* requests per second the vendor allows by default; 0 = no limit */
    int32_t four_hour_anchor;    /* BF_ANCHOR_4H_*                                                   */
    uint32_t max_page_rows;      /* the largest page the provider can return (host sizes the sink) */

    /* Make an instance from configuration. On failure return a status, leave *out NULL and
     * write a one-line message. */
    bf_status (*create)(const bf_config_entry *config, size_t config_count, bf_instance **out,
                        char *message, size_t message_capacity);
    /* Release an instance made by create. */
    void (*destroy)(bf_instance *instance);
    /* Fetch ONE page of candles for the request into the sink; set result->count and
     * result->next_cursor ("" when the range is done). Return BF_NO_DATA when the vendor has
     * nothing at all for the request. */
    bf_status (*fetch_candles)(bf_instance *instance, const bf_candle_request *request,
                               bf_candle_sink *sink, bf_page_result *result);
    /* Fetch ONE page of corporate events, delivered through sink->emit; set next_cursor.
     * NULL when the provider has none of BF_CAP_SPLITS, BF_CAP_DIVIDENDS, BF_CAP_EARNINGS,
     * BF_CAP_TICKER_CHANGES. */
    bf_status (*fetch_events)(bf_instance *instance, const bf_event_request *request,
                              bf_event_sink *sink, bf_page_result *result);

    /* ---- ABI 1.1 ---- */
    /* The options `create` accepts, ending with an entry whose name is NULL; NULL when the
     * provider does not declare them. */
    const bf_option_spec *options;
} bf_provider_descriptor;

/* The smallest descriptor a v1 host accepts: everything up to and including fetch_events. */
#define BF_DESCRIPTOR_V1_0_SIZE (offsetof(bf_provider_descriptor, fetch_events) + sizeof(void *))
/* A descriptor that declares its options. */
#define BF_DESCRIPTOR_V1_1_SIZE (offsetof(bf_provider_descriptor, options) + sizeof(void *))

/* The one exported function. Return NULL when `host_abi_version`'s major is not the one this
 * plugin was built for (the host then reports an incompatible version). */
typedef const bf_provider_descriptor *(*bf_provider_entry_fn)(uint32_t host_abi_version,
                                                             const bf_host_services *host);
const bf_provider_descriptor *bf_provider_entry(uint32_t host_abi_version,
                                                const bf_host_services *host);

/* The lower-case name of a status ("ok", "rate_limited", ...), for messages. Defined in the
 * BackfillABI target; a plugin built outside the package does not need it. */
const char *bf_status_name(bf_status status);

/* Small helpers usable from C plugins (static inline so a plugin needs nothing to link). */
static inline void bf_write_message(char *buffer, size_t capacity, const char *text) {
    if (buffer == NULL || capacity == 0) return;
    size_t i = 0;
    if (text != NULL) {
        for (; text[i] != '\0' && i + 1 < capacity; i++) buffer[i] = text[i];
    }
    buffer[i] = '\0';
}

static inline const char *bf_config_get(const bf_config_entry *config, size_t count,
                                        const char *key) {
    for (size_t i = 0; i < count; i++) {
        const char *a = config[i].key, *b = key;
        while (*a != '\0' && *a == *b) { a++; b++; }
        if (*a == '\0' && *b == '\0') return config[i].value;
    }
    return NULL;
}

#ifdef __cplusplus
}
#endif
#endif /* BACKFILL_PROVIDER_H */
