/* The Polygon (Massive) provider: aggregates, splits, dividends and earnings over HTTPS with libcurl.
 * See docs/providers/polygon.md. Only bf_provider_entry is exported. */
#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill_provider.h"
#include "polygon_provider.h"

#define PG_VERSION "1.0.0"
#define PG_MAX_RESULTS 50000

static const bf_host_services *host;

static void plog(int level, const char *message) {
    if (host && host->log) host->log(host->context, level, message);
}

struct bf_instance {
    CURL *curl;
    struct curl_slist *headers;
    char base[512];   /* scheme://host[:port] with no trailing slash */
    int adjusted;
    char *body;
    size_t body_len, body_cap;
    long retry_after_s;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static void msg(char *buf, size_t cap, const char *fmt, const char *a, const char *b) {
    if (!buf || !cap) return;
    snprintf(buf, cap, fmt, a ? a : "", b ? b : "");
}

static size_t on_body(char *data, size_t size, size_t count, void *userdata) {
    bf_instance *in = userdata;
    size_t n = size * count;
    if (in->body_len + n + 1 > in->body_cap) {
        size_t cap = in->body_cap ? in->body_cap : 65536;
        while (cap < in->body_len + n + 1) cap *= 2;
        if (cap > ((size_t)256 << 20)) return 0; /* a 256 MB answer is not an aggregates page */
        char *p = realloc(in->body, cap);
        if (!p) return 0;
        in->body = p;
        in->body_cap = cap;
    }
    memcpy(in->body + in->body_len, data, n);
    in->body_len += n;
    in->body[in->body_len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t count, void *userdata) {
    bf_instance *in = userdata;
    size_t n = size * count;
    if (n > 12 && strncasecmp(data, "retry-after:", 12) == 0) {
        long v = strtol(data + 12, NULL, 10);
        if (v >= 0 && v < 86400) in->retry_after_s = v;
    }
    return n;
}

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

/* UTC calendar date of epoch ms, as YYYY-MM-DD. */
static void iso_date(int64_t ms, char out[16]) {
    /* clamped to years 0001..9999 (a ticker change request spans INT64_MIN..INT64_MAX) */
    if (ms < -62135596800000LL) ms = -62135596800000LL;
    if (ms > 253402214400000LL) ms = 253402214400000LL;
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(out, 16, "%04lld-%02lld-%02lld", (long long)(yoe + era * 400 + (m <= 2)), (long long)m, (long long)d);
}

/* Epoch ms of a YYYY-MM-DD date at 00:00 UTC; INT64_MIN when absent or malformed. */
static int64_t parse_date(const char *s) {
    int y, m, d;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return INT64_MIN;
    int64_t yy = y - (m <= 2), era = (yy >= 0 ? yy : yy - 399) / 400, yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * 86400000LL;
}

/* The Polygon ticker for a request: the user's ticker, else by asset class (X:BTCUSD, C:EURUSD,
 * I:SPX; separators - _ / . removed for crypto and forex). Only safe characters pass. */
static int ticker_for(const char *symbol, const char *ticker, int32_t asset_class, char out[64]) {
    const char *prefix = "";
    int strip = 0;
    if (ticker && *ticker) {
        symbol = ticker;
    } else if (asset_class == BF_ASSET_CRYPTO) {
        prefix = "X:", strip = 1;
    } else if (asset_class == BF_ASSET_FOREX) {
        prefix = "C:", strip = 1;
    } else if (asset_class == BF_ASSET_INDEX) {
        prefix = "I:";
    }
    if (strchr(symbol, ':')) prefix = ""; /* already in Polygon form */
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    for (const char *p = symbol; *p; p++) {
        if (strip && (*p == '-' || *p == '_' || *p == '/' || *p == '.')) continue;
        if (!(isalnum((unsigned char)*p) || *p == '.' || *p == ':' || *p == '-' || *p == '_')) return -1;
        if (n + 1 >= 64) return -1;
        out[n++] = (char)toupper((unsigned char)*p);
    }
    out[n] = '\0';
    return n > 0 ? 0 : -1;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

/* GETs base + path_and_query. Returns BF_OK with the HTTP status in *code, or a transport status. */
static bf_status http_get(bf_instance *in, const char *path_and_query, long *code, bf_page_result *r) {
    char url[4096];
    if (snprintf(url, sizeof url, "%s%s", in->base, path_and_query) >= (int)sizeof url) {
        bf_write_message(r->message, r->message_capacity, "request URL too long");
        return BF_BAD_REQUEST;
    }
    in->body_len = 0;
    if (in->body) in->body[0] = '\0';
    in->retry_after_s = -1;
    curl_easy_setopt(in->curl, CURLOPT_URL, url);
    CURLcode rc = curl_easy_perform(in->curl);
    if (rc != CURLE_OK) {
        msg(r->message, r->message_capacity, "%s (%s)", curl_easy_strerror(rc), path_and_query[0] ? "request" : "");
        return BF_TRANSIENT;
    }
    curl_easy_getinfo(in->curl, CURLINFO_RESPONSE_CODE, code);
    return BF_OK;
}

/* Maps a non-2xx answer (or a 2xx with an error status) to a status and message. */
static bf_status failure(bf_instance *in, long code, const pg_response *resp, bf_page_result *r) {
    char detail[400];
    const char *text = resp->error[0] ? resp->error : "no message";
    const char *rid = resp->request_id[0] ? resp->request_id : "none";
    bf_status s;
    if (code == 429) {
        s = BF_RATE_LIMITED;
        r->retry_after_ms = in->retry_after_s >= 0 ? in->retry_after_s * 1000 : -1;
        snprintf(detail, sizeof detail, "HTTP 429 rate limited: %s (request_id %s)", text, rid);
    } else if (code == 401) {
        s = BF_UNAUTHORIZED;
        snprintf(detail, sizeof detail, "HTTP 401 unauthorized, check POLYGON_API_KEY: %s (request_id %s)", text, rid);
    } else if (code == 403) {
        s = BF_NOT_ENTITLED;
        snprintf(detail, sizeof detail, "HTTP 403 %s: %s (request_id %s)",
                 resp->status[0] ? resp->status : "forbidden", text, rid);
    } else if (code == 400 || code == 404) {
        s = BF_BAD_REQUEST;
        snprintf(detail, sizeof detail, "HTTP %ld bad request: %s (request_id %s)", code, text, rid);
    } else if (code >= 500 || code == 499 || code == 408) {
        s = BF_TRANSIENT;
        snprintf(detail, sizeof detail, "HTTP %ld server error: %s (request_id %s)", code, text, rid);
    } else {
        s = BF_PERMANENT;
        snprintf(detail, sizeof detail, "HTTP %ld, status '%s': %s (request_id %s)", code, resp->status, text, rid);
    }
    bf_write_message(r->message, r->message_capacity, detail);
    return s;
}

/* A next_url is followed on our configured host only (the key must never go elsewhere):
 * returns its path and query. */
static const char *next_path(const char *next_url) {
    const char *p = strstr(next_url, "://");
    if (!p) return next_url[0] == '/' ? next_url : NULL;
    p = strchr(p + 3, '/');
    return p;
}

/* ---- candles ---------------------------------------------------------------------------- */

typedef struct sink_state {
    bf_candle_sink *sink;
    uint32_t limit, count;
    int64_t start, end, last_ts;
    int overflow;
    int malformed;
} sink_state;

static int on_bar(void *context, const pg_bar *b) {
    sink_state *s = context;
    unsigned need = PG_HAS_T | PG_HAS_O | PG_HAS_H | PG_HAS_L | PG_HAS_C;
    if ((b->has & need) != need) {
        s->malformed = 1;
        return 1;
    }
    if (b->t < s->start || b->t >= s->end) return 0;
    if (s->count >= s->limit) {
        s->overflow = 1;
        return 0;
    }
    uint32_t i = s->count++;
    s->sink->ts[i] = b->t;
    s->sink->open[i] = b->o;
    s->sink->high[i] = b->h;
    s->sink->low[i] = b->l;
    s->sink->close[i] = b->c;
    s->sink->volume[i] = (b->has & PG_HAS_V) ? b->v : 0.0; /* indices have no volume */
    s->sink->vwap[i] = (b->has & PG_HAS_VW) ? b->vw : NAN;
    s->sink->trades[i] = (b->has & PG_HAS_N) ? b->n : -1;
    s->last_ts = b->t;
    return 0;
}

static const struct { int mult; const char *span; int64_t ms; int daily_base; } TIMEFRAMES[BF_TF_COUNT] = {
    {1, "minute", 60000, 0},   {5, "minute", 300000, 0},   {15, "minute", 900000, 0}, {30, "minute", 1800000, 0},
    {1, "hour", 3600000, 0},   {4, "hour", 14400000, 0},   {1, "day", 86400000, 1},   {1, "week", 604800000, 1},
};

static bf_status fetch_candles(bf_instance *in, const bf_candle_request *rq, bf_candle_sink *sink, bf_page_result *r) {
    r->count = 0;
    bf_write_message(r->next_cursor, r->next_cursor_capacity, "");
    if (!rq || !sink || rq->timeframe < 0 || rq->timeframe >= BF_TF_COUNT || rq->start_ms >= rq->end_ms) {
        bf_write_message(r->message, r->message_capacity, "invalid request");
        return BF_BAD_REQUEST;
    }
    char ticker[64];
    if (ticker_for(rq->symbol, rq->ticker, rq->asset_class, ticker) != 0) {
        msg(r->message, r->message_capacity, "cannot make a Polygon ticker from '%s'%s", rq->symbol, "");
        return BF_BAD_REQUEST;
    }
    uint32_t limit = rq->page_limit && rq->page_limit < sink->capacity ? rq->page_limit : sink->capacity;
    /* Cursor: "" (first chunk), "from:<ms>" (the next chunk), "url:<path?query>" (Polygon's next_url). */
    int64_t from = rq->start_ms;
    char path[4096];
    const char *cur = rq->cursor ? rq->cursor : "";
    const int64_t tf_ms = TIMEFRAMES[rq->timeframe].ms;
    /* One chunk holds at most `limit` bars of this timeframe and 50,000 base aggregates
     * (minutes, or days for daily and weekly bars), so one page normally suffices. */
    int64_t base_ms = TIMEFRAMES[rq->timeframe].daily_base ? 86400000LL : 60000LL;
    int64_t span = (int64_t)limit * tf_ms;
    if (span > (int64_t)PG_MAX_RESULTS * base_ms) span = (int64_t)PG_MAX_RESULTS * base_ms;
    int64_t chunk_end = 0;
    if (strncmp(cur, "url:", 4) == 0) {
        snprintf(path, sizeof path, "%s", cur + 4);
        const char *ce = strstr(cur, "#end=");
        chunk_end = ce ? strtoll(ce + 5, NULL, 10) : rq->end_ms;
        char *hash = strstr(path, "#end=");
        if (hash) *hash = '\0';
    } else {
        if (strncmp(cur, "from:", 5) == 0) from = strtoll(cur + 5, NULL, 10);
        else if (*cur) {
            bf_write_message(r->message, r->message_capacity, "invalid cursor");
            return BF_BAD_REQUEST;
        }
        chunk_end = from + span < rq->end_ms ? from + span : rq->end_ms;
        snprintf(path, sizeof path, "/v2/aggs/ticker/%s/range/%d/%s/%lld/%lld?adjusted=%s&sort=asc&limit=%d", ticker,
                 TIMEFRAMES[rq->timeframe].mult, TIMEFRAMES[rq->timeframe].span, (long long)from,
                 (long long)(chunk_end - 1), in->adjusted ? "true" : "false", PG_MAX_RESULTS);
    }
    long code = 0;
    bf_status st = http_get(in, path, &code, r);
    if (st != BF_OK) return st;
    pg_response resp;
    sink_state s = {sink, limit, 0, rq->start_ms, rq->end_ms, INT64_MIN, 0, 0};
    int parsed = pg_parse_aggs(in->body ? in->body : "", in->body_len, &resp, on_bar, &s);
    if (code < 200 || code > 299) {
        st = failure(in, code, &resp, r);
        free(resp.next_url);
        return st;
    }
    if (parsed != 0 || s.malformed) {
        free(resp.next_url);
        char detail[160];
        snprintf(detail, sizeof detail, "malformed or truncated response (%zu bytes, %s)", in->body_len,
                 s.malformed ? "a result lacks t/o/h/l/c" : "not valid JSON");
        bf_write_message(r->message, r->message_capacity, detail);
        return BF_TRANSIENT;
    }
    if (strcmp(resp.status, "OK") != 0 && strcmp(resp.status, "DELAYED") != 0) {
        st = failure(in, code, &resp, r);
        free(resp.next_url);
        return st;
    }
    r->count = s.count;
    char next[4200];
    next[0] = '\0';
    if (s.overflow) {
        /* More bars than the sink holds: continue after the last one delivered. */
        snprintf(next, sizeof next, "from:%lld", (long long)(s.last_ts + 1));
    } else if (resp.next_url && next_path(resp.next_url)) {
        snprintf(next, sizeof next, "url:%s#end=%lld", next_path(resp.next_url), (long long)chunk_end);
    } else if (chunk_end < rq->end_ms) {
        snprintf(next, sizeof next, "from:%lld", (long long)chunk_end);
    }
    free(resp.next_url);
    if (strlen(next) + 1 > r->next_cursor_capacity) {
        bf_write_message(r->message, r->message_capacity, "next page cursor too long");
        return BF_PERMANENT;
    }
    bf_write_message(r->next_cursor, r->next_cursor_capacity, next);
    if (BF_PAGE_HAS_REQUEST_ID(r)) bf_write_message(r->request_id, r->request_id_capacity, resp.request_id);
    char line[200];
    snprintf(line, sizeof line, "polygon %s %s: %u bars (request_id %s)", ticker, TIMEFRAMES[rq->timeframe].span,
             (unsigned)s.count, resp.request_id[0] ? resp.request_id : "none");
    plog(BF_LOG_DEBUG, line);
    return BF_OK;
}

/* ---- splits, dividends, earnings --------------------------------------------------------- */

typedef struct event_state {
    const bf_event_sink *sink;
    const char *ticker;
    int kind;
    int64_t start, end;
    int stopped, malformed;
} event_state;

/* When a report came out relative to the NYSE session, from Benzinga's `time` (HH:MM:SS, read as
 * New York time, the zone of Benzinga's calendar): before 09:30, from 16:00, or between. */
static int32_t report_time(const char *hhmmss) {
    int h, m;
    if (sscanf(hhmmss, "%d:%d", &h, &m) != 2 || h < 0 || h > 23 || m < 0 || m > 59) return BF_REPORT_TIME_UNKNOWN;
    int minutes = h * 60 + m;
    if (minutes < 9 * 60 + 30) return BF_REPORT_BEFORE_OPEN;
    return minutes >= 16 * 60 ? BF_REPORT_AFTER_CLOSE : BF_REPORT_DURING_MARKET;
}

static int on_event(void *context, const pg_event_item *e) {
    event_state *s = context;
    /* Items for another ticker (an API that ignored the filter) are never attributed to ours; a
     * ticker event's `ticker` is the new ticker. */
    if (s->kind != BF_EVENT_TICKER_CHANGE && e->ticker[0] && strcmp(e->ticker, s->ticker) != 0) return 0;
    bf_event ev;
    memset(&ev, 0, sizeof ev);
    ev.struct_size = sizeof ev;
    ev.kind = s->kind;
    ev.pay_date_ms = ev.record_date_ms = ev.declaration_date_ms = INT64_MIN;
    ev.eps_estimate = ev.eps_actual = ev.revenue_estimate = ev.revenue_actual = NAN;
    if (s->kind == BF_EVENT_SPLIT) {
        ev.ex_date_ms = parse_date(e->execution_date);
        if (ev.ex_date_ms == INT64_MIN || !(e->has & PG_EV_SPLIT_FROM) || !(e->has & PG_EV_SPLIT_TO) ||
            !(e->split_from > 0) || !(e->split_to > 0)) {
            s->malformed++;
            return 0;
        }
        ev.split_from = e->split_from;
        ev.split_to = e->split_to;
    } else if (s->kind == BF_EVENT_DIVIDEND) {
        ev.ex_date_ms = parse_date(e->ex_dividend_date);
        if (ev.ex_date_ms == INT64_MIN || !(e->has & PG_EV_CASH) || !(e->cash_amount >= 0)) {
            s->malformed++;
            return 0;
        }
        ev.cash_amount = e->cash_amount;
        ev.pay_date_ms = parse_date(e->pay_date);
        ev.record_date_ms = parse_date(e->record_date);
        ev.declaration_date_ms = parse_date(e->declaration_date);
        bf_write_message(ev.currency, sizeof ev.currency, e->currency);
    } else if (s->kind == BF_EVENT_LISTING) {
        /* One details object: its list date, and its delisting date when it has one. */
        char day[11];
        snprintf(day, sizeof day, "%.10s", e->delisted_utc); /* its date part: the last day it traded */
        int64_t listed = parse_date(e->list_date), delisted = parse_date(day);
        if (e->list_date[0] && listed == INT64_MIN) s->malformed++;
        if (e->delisted_utc[0] && delisted == INT64_MIN) s->malformed++;
        int64_t dates[2] = {listed, delisted};
        for (int k = 0; k < 2; k++) {
            if (dates[k] == INT64_MIN) continue;
            ev.kind = k == 0 ? BF_EVENT_LISTING : BF_EVENT_DELISTING;
            ev.ex_date_ms = dates[k];
            if (s->sink->emit(s->sink->context, &ev) != BF_OK) {
                s->stopped = 1;
                return 1;
            }
        }
        return 0;
    } else if (s->kind == BF_EVENT_TICKER_CHANGE) {
        if (strcmp(e->type, "ticker_change") != 0) return 0; /* another event type: not asked for */
        ev.ex_date_ms = parse_date(e->date);
        if (ev.ex_date_ms == INT64_MIN || !e->ticker[0] || strlen(e->ticker) >= sizeof ev.ticker) {
            s->malformed++;
            return 0;
        }
        bf_write_message(ev.ticker, sizeof ev.ticker, e->ticker);
    } else {
        ev.ex_date_ms = parse_date(e->date);
        if (ev.ex_date_ms == INT64_MIN) {
            s->malformed++;
            return 0;
        }
        ev.report_time = report_time(e->time);
        if (e->has & PG_EV_FISCAL_YEAR && e->fiscal_year > 0 && e->fiscal_year < 10000) ev.fiscal_year = (int32_t)e->fiscal_year;
        bf_write_message(ev.fiscal_period, sizeof ev.fiscal_period, e->fiscal_period);
        if (e->has & PG_EV_EPS_ESTIMATE) ev.eps_estimate = e->estimated_eps;
        if (e->has & PG_EV_EPS_ACTUAL) ev.eps_actual = e->actual_eps;
        if (e->has & PG_EV_REVENUE_ESTIMATE) ev.revenue_estimate = e->estimated_revenue;
        if (e->has & PG_EV_REVENUE_ACTUAL) ev.revenue_actual = e->actual_revenue;
        bf_write_message(ev.currency, sizeof ev.currency, e->currency);
    }
    if (ev.ex_date_ms < s->start || ev.ex_date_ms >= s->end) return 0;
    if (s->sink->emit(s->sink->context, &ev) != BF_OK) {
        s->stopped = 1;
        return 1;
    }
    return 0;
}

/* The cursor's letter for a kind, and the next wanted kind after `kind` (0: none). */
static char kind_letter(int kind) {
    return kind == BF_EVENT_SPLIT      ? 's'
           : kind == BF_EVENT_DIVIDEND ? 'd'
           : kind == BF_EVENT_EARNINGS ? 'e'
           : kind == BF_EVENT_LISTING  ? 'l'
                                       : 't';
}
static int next_kind(uint32_t kinds, int after) {
    for (int k = after + 1; k <= BF_EVENT_LISTING; k++)
        if ((kinds >> k) & 1) return k;
    return 0;
}

/* Splits (/v3/reference/splits), dividends (/v3/reference/dividends), earnings (Benzinga's
 * partner data, /benzinga/v1/earnings: a plan without that add-on answers 403, which is
 * BF_NOT_ENTITLED) and ticker changes (/vX/reference/tickers/{ticker}/events?types=ticker_change:
 * the whole chain in one answer, whatever the range; stocks and ETFs only, other classes have none; a 404 is no chain)
 * and listings (/v3/reference/tickers/{ticker}: its list_date, and delisted_utc's date when it has one; stocks and ETFs; a
 * 404 is none), each kind's pages in turn (a listing request's cursor is "l:"). Cursor: "" → the first wanted kind's first page; "s:<path>",
 * "d:<path>", "e:<path>", "t:<path>" → that kind's next_url; "d:", "e:", "t:" → that kind's
 * first page. */
static bf_status fetch_events(bf_instance *in, const bf_event_request *rq, bf_event_sink *sink, bf_page_result *r) {
    r->count = 0;
    bf_write_message(r->next_cursor, r->next_cursor_capacity, "");
    char ticker[64];
    if (!rq || !sink || !sink->emit || ticker_for(rq->symbol, rq->ticker, rq->asset_class, ticker) != 0) {
        bf_write_message(r->message, r->message_capacity, "invalid events request");
        return BF_BAD_REQUEST;
    }
    /* A listing request (listing and delisting come from one details call) counts as LISTING. */
    uint32_t kinds = rq->kinds & ((1u << BF_EVENT_SPLIT) | (1u << BF_EVENT_DIVIDEND) | (1u << BF_EVENT_EARNINGS) |
                                  (1u << BF_EVENT_TICKER_CHANGE) | (1u << BF_EVENT_LISTING));
    if (rq->kinds & (1u << BF_EVENT_DELISTING)) kinds |= 1u << BF_EVENT_LISTING;
    if (rq->asset_class != BF_ASSET_STOCK && rq->asset_class != BF_ASSET_ETF)
        kinds &= ~((1u << BF_EVENT_TICKER_CHANGE) | (1u << BF_EVENT_LISTING));
    const char *cur = rq->cursor ? rq->cursor : "";
    int kind = *cur == 's'   ? BF_EVENT_SPLIT
               : *cur == 'd' ? BF_EVENT_DIVIDEND
               : *cur == 'e' ? BF_EVENT_EARNINGS
               : *cur == 't' ? BF_EVENT_TICKER_CHANGE
               : *cur == 'l' ? BF_EVENT_LISTING
                             : next_kind(kinds, 0);
    if (kind == 0 || !((kinds >> kind) & 1)) return BF_OK;
    char path[4096], a[16], b[16];
    iso_date(rq->start_ms, a);
    iso_date(rq->end_ms, b);
    if (strlen(cur) > 2) {
        snprintf(path, sizeof path, "%s", cur + 2);
    } else if (kind == BF_EVENT_SPLIT) {
        snprintf(path, sizeof path,
                 "/v3/reference/splits?ticker=%s&execution_date.gte=%s&execution_date.lt=%s&order=asc&sort=execution_date&limit=1000",
                 ticker, a, b);
    } else if (kind == BF_EVENT_DIVIDEND) {
        snprintf(path, sizeof path,
                 "/v3/reference/dividends?ticker=%s&ex_dividend_date.gte=%s&ex_dividend_date.lt=%s&order=asc&sort=ex_dividend_date&limit=1000",
                 ticker, a, b);
    } else if (kind == BF_EVENT_EARNINGS) {
        snprintf(path, sizeof path, "/benzinga/v1/earnings?ticker=%s&date.gte=%s&date.lt=%s&sort=date.asc&limit=1000", ticker, a,
                 b);
    } else if (kind == BF_EVENT_LISTING) {
        snprintf(path, sizeof path, "/v3/reference/tickers/%s", ticker);
    } else {
        snprintf(path, sizeof path, "/vX/reference/tickers/%s/events?types=ticker_change", ticker);
    }
    long code = 0;
    bf_status st = http_get(in, path, &code, r);
    if (st != BF_OK) return st;
    /* A ticker Polygon has no events or details for: no chain, no listing. */
    if ((kind == BF_EVENT_TICKER_CHANGE || kind == BF_EVENT_LISTING) && code == 404) return BF_OK;
    pg_response resp;
    event_state s = {sink, ticker, kind, rq->start_ms, rq->end_ms, 0, 0};
    const char *body = in->body ? in->body : "";
    int parsed = kind == BF_EVENT_TICKER_CHANGE ? pg_parse_ticker_events(body, in->body_len, &resp, on_event, &s)
                 : kind == BF_EVENT_LISTING     ? pg_parse_ticker_details(body, in->body_len, &resp, on_event, &s)
                                                : pg_parse_events(body, in->body_len, &resp, on_event, &s);
    if (code < 200 || code > 299 || (parsed == 0 && strcmp(resp.status, "OK") != 0 && resp.status[0])) {
        st = failure(in, code, &resp, r);
        free(resp.next_url);
        return st;
    }
    if (parsed != 0 && !s.stopped) {
        free(resp.next_url);
        bf_write_message(r->message, r->message_capacity, "malformed or truncated events response");
        return BF_TRANSIENT;
    }
    r->rejected = (uint32_t)s.malformed;
    char next[4200] = "";
    int after = next_kind(kinds, kind);
    if (resp.next_url && next_path(resp.next_url)) {
        snprintf(next, sizeof next, "%c:%s", kind_letter(kind), next_path(resp.next_url));
    } else if (after) {
        snprintf(next, sizeof next, "%c:", kind_letter(after));
    }
    free(resp.next_url);
    bf_write_message(r->next_cursor, r->next_cursor_capacity, next);
    return BF_OK;
}

/* ---- instance life ---------------------------------------------------------------------- */

static void destroy(bf_instance *in) {
    if (!in) return;
    if (in->curl) curl_easy_cleanup(in->curl);
    curl_slist_free_all(in->headers);
    free(in->body);
    free(in);
}

static bf_status create(const bf_config_entry *config, size_t count, bf_instance **out, char *message, size_t cap) {
    *out = NULL;
    const char *key = bf_config_get(config, count, "api_key");
    if (!key || !*key) key = env_or("POLYGON_API_KEY", env_or("MASSIVE_API_KEY", NULL));
    if (!key || !*key) {
        bf_write_message(message, cap,
                         "no Polygon API key: check POLYGON_API_KEY (or MASSIVE_API_KEY, or --provider-option api_key=...)");
        return BF_UNAUTHORIZED;
    }
    for (const char *p = key; *p; p++) {
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
            bf_write_message(message, cap, "the Polygon API key contains spaces or control characters: check POLYGON_API_KEY");
            return BF_UNAUTHORIZED;
        }
    }
    const char *base = bf_config_get(config, count, "base_url");
    if (!base || !*base) base = env_or("POLYGON_BASE_URL", "https://api.polygon.io");
    if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0) {
        msg(message, cap, "base_url '%s' must start with https:// or http://%s", base, "");
        return BF_BAD_REQUEST;
    }
    const char *adjusted = bf_config_get(config, count, "adjusted");
    if (adjusted && strcmp(adjusted, "true") != 0 && strcmp(adjusted, "false") != 0) {
        bf_write_message(message, cap, "option adjusted must be true or false");
        return BF_BAD_REQUEST;
    }
    long timeout_ms = 10000;
    const char *t = bf_config_get(config, count, "timeout_ms");
    if (t) {
        char *e = NULL;
        timeout_ms = strtol(t, &e, 10);
        if (!e || *e || timeout_ms < 100 || timeout_ms > 600000) {
            bf_write_message(message, cap, "option timeout_ms must be 100 to 600000");
            return BF_BAD_REQUEST;
        }
    }
    for (size_t i = 0; i < count; i++) {
        const char *k = config[i].key;
        if (strcmp(k, "api_key") && strcmp(k, "base_url") && strcmp(k, "adjusted") && strcmp(k, "timeout_ms")) {
            msg(message, cap, "unknown option '%s'; valid: api_key, base_url, adjusted, timeout_ms%s", k, "");
            return BF_BAD_REQUEST;
        }
    }
    bf_instance *in = calloc(1, sizeof *in);
    if (!in) return BF_PERMANENT;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') blen--;
    if (blen >= sizeof in->base) {
        free(in);
        bf_write_message(message, cap, "base_url too long");
        return BF_BAD_REQUEST;
    }
    memcpy(in->base, base, blen);
    in->adjusted = adjusted && strcmp(adjusted, "true") == 0;
    in->curl = curl_easy_init();
    char auth[600];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    in->headers = curl_slist_append(NULL, auth);
    memset(auth, 0, sizeof auth); /* no copy of the key lingers in our memory beyond curl's */
    if (!in->curl || !in->headers) {
        destroy(in);
        bf_write_message(message, cap, "cannot initialise libcurl");
        return BF_PERMANENT;
    }
    curl_easy_setopt(in->curl, CURLOPT_HTTPHEADER, in->headers);
    curl_easy_setopt(in->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(in->curl, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(in->curl, CURLOPT_USERAGENT, "Backfill/0.1.0 polygon-provider/" PG_VERSION);
    curl_easy_setopt(in->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(in->curl, CURLOPT_TIMEOUT_MS, timeout_ms * 3);
    /* A read that stalls (no byte for timeout_ms) is a timeout too. */
    curl_easy_setopt(in->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(in->curl, CURLOPT_LOW_SPEED_TIME, (timeout_ms + 999) / 1000);
    curl_easy_setopt(in->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(in->curl, CURLOPT_WRITEDATA, in);
    curl_easy_setopt(in->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(in->curl, CURLOPT_HEADERDATA, in);
    curl_easy_setopt(in->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(in->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    *out = in;
    return BF_OK;
}

/* ---- entry ------------------------------------------------------------------------------ */

static const bf_option_spec options[] = {
    {"api_key", NULL, 1, "the API key (else POLYGON_API_KEY, else MASSIVE_API_KEY); sent as a Bearer token, never shown"},
    {"base_url", NULL, 0, "the API's base URL (else POLYGON_BASE_URL, else https://api.polygon.io)"},
    {"adjusted", "false", 0, "true: split-adjusted bars; false: raw, so stored history never changes under a later split"},
    {"timeout_ms", "10000", 0, "connect and read timeout per request, 100 to 600000"},
    {NULL, NULL, 0, NULL},
};

static bf_provider_descriptor descriptor;

const bf_provider_descriptor *bf_provider_entry(uint32_t host_abi_version, const bf_host_services *services) {
    if (BF_ABI_MAJOR(host_abi_version) != BF_ABI_VERSION_MAJOR) return NULL;
    host = services;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    descriptor.struct_size = sizeof descriptor;
    descriptor.abi_version = BF_ABI_VERSION;
    descriptor.name = "polygon";
    descriptor.version = PG_VERSION;
    descriptor.description = "Polygon.io / Massive REST aggregates, splits, dividends, ticker changes and Benzinga earnings (HTTPS, libcurl)";
    descriptor.capabilities =
        BF_CAP_CANDLES | BF_CAP_SPLITS | BF_CAP_DIVIDENDS | BF_CAP_EARNINGS | BF_CAP_TICKER_CHANGES | BF_CAP_LISTINGS;
    descriptor.timeframes = BF_TF_ALL;
    descriptor.daily_stamp = BF_DAILY_STAMP_NEW_YORK_MIDNIGHT;
    descriptor.four_hour_anchor = BF_ANCHOR_4H_NEW_YORK_MIDNIGHT;
    descriptor.default_rate = 5.0 / 60.0; /* the free plan: 5 requests a minute */
    descriptor.max_page_rows = PG_MAX_RESULTS;
    descriptor.create = create;
    descriptor.destroy = destroy;
    descriptor.fetch_candles = fetch_candles;
    descriptor.fetch_events = fetch_events;
    descriptor.options = options;
    return &descriptor;
}
