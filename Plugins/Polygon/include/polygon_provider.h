/* The Polygon (Massive) provider plugin: internal interfaces shared by its C files. The plugin
 * exports only bf_provider_entry (backfill_provider.h). */
#ifndef POLYGON_PROVIDER_H
#define POLYGON_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

/* One aggregate bar as parsed from a `results` item. */
typedef struct pg_bar {
    int64_t t;
    double o, h, l, c, v, vw;
    int64_t n;
    unsigned has; /* bit flags: PG_HAS_* */
} pg_bar;
enum { PG_HAS_T = 1, PG_HAS_O = 2, PG_HAS_H = 4, PG_HAS_L = 8, PG_HAS_C = 16, PG_HAS_V = 32, PG_HAS_VW = 64, PG_HAS_N = 128 };

/* One corporate-event item: a split, a dividend, a Benzinga earnings row or a ticker event. */
typedef struct pg_event_item {
    char execution_date[16], ex_dividend_date[16], pay_date[16], record_date[16], declaration_date[16];
    char currency[8];
    char ticker[64];
    double split_from, split_to, cash_amount;
    /* earnings: date (YYYY-MM-DD), time (HH:MM:SS), fiscal_period, fiscal_year and the figures */
    char date[16], time[16], fiscal_period[8];
    double fiscal_year, estimated_eps, actual_eps, estimated_revenue, actual_revenue;
    /* ticker events: type ("ticker_change"), date, and the new ticker in `ticker` */
    char type[24];
    /* ticker details: list_date (YYYY-MM-DD), delisted_utc (an ISO 8601 instant or date) */
    char list_date[16], delisted_utc[32];
    unsigned has; /* PG_EV_* */
} pg_event_item;
enum {
    PG_EV_SPLIT_FROM = 1,
    PG_EV_SPLIT_TO = 2,
    PG_EV_CASH = 4,
    PG_EV_FISCAL_YEAR = 8,
    PG_EV_EPS_ESTIMATE = 16,
    PG_EV_EPS_ACTUAL = 32,
    PG_EV_REVENUE_ESTIMATE = 64,
    PG_EV_REVENUE_ACTUAL = 128,
};

/* What the parser found at the top level of a response. */
typedef struct pg_response {
    char status[32];
    char request_id[64];
    char error[256];   /* "error" or else "message" */
    char *next_url;    /* malloc'd by the parser, NULL when absent; free with free() */
    size_t results;    /* items seen in `results` */
} pg_response;

/* Callbacks per `results` item; return 0 to go on, non-zero to stop parsing (an error). */
typedef int (*pg_bar_fn)(void *context, const pg_bar *bar);
typedef int (*pg_event_fn)(void *context, const pg_event_item *item);

/* Parses a whole response body. Returns 0 on success, -1 when the bytes are not a complete JSON
 * object of the expected shape (truncated, malformed, wrong types), -2 when a callback stopped
 * it. Never reads past `length`, never recurses deeper than 32 levels. */
int pg_parse_aggs(const char *body, size_t length, pg_response *out, pg_bar_fn on_bar, void *context);
int pg_parse_events(const char *body, size_t length, pg_response *out, pg_event_fn on_item, void *context);
/* /vX/reference/tickers/{id}/events: `results` is an object whose `events` array holds the items. */
int pg_parse_ticker_events(const char *body, size_t length, pg_response *out, pg_event_fn on_item, void *context);
/* /v3/reference/tickers/{ticker}: `results` is one object, given to the callback as one item. */
int pg_parse_ticker_details(const char *body, size_t length, pg_response *out, pg_event_fn on_item, void *context);

/* Whether pg_parse_aggs tries its compact-bar reader before the general one (default on). The
 * results are the same either way; tests switch it off to prove that. Not thread-safe. */
void pg_parse_set_fast_path(int on);

#endif
