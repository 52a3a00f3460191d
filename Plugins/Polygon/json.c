/* A small, strict JSON reader for Polygon's response shapes: a top-level object whose `results`
 * is an array of flat objects. Everything else is skipped after being checked for well-formed
 * syntax. Bounded: never reads past the buffer, never recurses deeper than MAX_DEPTH. */
#include <stdlib.h>
#include <string.h>

#include "backfill_text.h"
#include "polygon_provider.h"

#define MAX_DEPTH 32

typedef struct cursor {
    const char *p, *end;
} cursor;

static void ws(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) c->p++;
}

static int lit(cursor *c, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return -1;
    c->p += n;
    return 0;
}

/* Reads a string into out (NUL-terminated, truncated to cap; \u escapes outside ASCII become
 * '?'). out may be NULL to skip. Returns the decoded length or -1. */
static long str(cursor *c, char *out, size_t cap) {
    if (c->p >= c->end || *c->p != '"') return -1;
    c->p++;
    size_t n = 0;
    /* Fast path: plain characters up to the closing quote. */
    const char *q = c->p;
    while (q < c->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
    if (q < c->end && *q == '"') {
        n = (size_t)(q - c->p);
        if (out && cap) {
            size_t k = n < cap - 1 ? n : cap - 1;
            memcpy(out, c->p, k);
            out[k] = '\0';
        }
        c->p = q + 1;
        return (long)n;
    }
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '"') {
            if (out && cap) out[n < cap ? n : cap - 1] = '\0';
            return (long)n;
        }
        if ((unsigned char)ch < 0x20) return -1;
        if (ch == '\\') {
            if (c->p >= c->end) return -1;
            char e = *c->p++;
            switch (e) {
            case '"': case '\\': case '/': ch = e; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u': {
                if (c->end - c->p < 4) return -1;
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = *c->p++;
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
                    else return -1;
                }
                ch = v < 0x80 ? (char)v : '?';
                break;
            }
            default: return -1;
            }
        }
        if (out && n + 1 < cap) out[n] = ch;
        n++;
    }
    return -1;
}

/* A JSON number, parsed in one pass by BackfillText's exact scanner. */
static int num(cursor *c, double *out) {
    double v;
    size_t used = bf_scan_double(c->p, (size_t)(c->end - c->p), &v);
    if (used == 0) return -1;
    c->p += used;
    if (out) *out = v;
    return 0;
}

static int skip(cursor *c, int depth);

static int skip_container(cursor *c, int depth, char close) {
    if (depth > MAX_DEPTH) return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        ws(c);
        if (close == '}') {
            if (str(c, NULL, 0) < 0) return -1;
            ws(c);
            if (c->p >= c->end || *c->p != ':') return -1;
            c->p++;
        }
        if (skip(c, depth + 1) != 0) return -1;
        ws(c);
        if (c->p >= c->end) return -1;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p == close) {
            c->p++;
            return 0;
        }
        return -1;
    }
}

static int skip(cursor *c, int depth) {
    ws(c);
    if (c->p >= c->end) return -1;
    switch (*c->p) {
    case '{': return skip_container(c, depth, '}');
    case '[': return skip_container(c, depth, ']');
    case '"': return str(c, NULL, 0) < 0 ? -1 : 0;
    case 't': return lit(c, "true");
    case 'f': return lit(c, "false");
    case 'n': return lit(c, "null");
    default: return num(c, NULL);
    }
}

typedef int (*item_fn)(cursor *c, void *state);

/* Walks a top-level object; `results` items go to item(); known top-level strings to out. When
 * `results` is an object rather than an array (the ticker events endpoint), `holder` reads it. */
static int walk(const char *body, size_t length, pg_response *out, item_fn item, item_fn holder, void *state) {
    memset(out, 0, sizeof *out);
    cursor c = {body, body + length};
    ws(&c);
    if (c.p >= c.end || *c.p != '{') return -1;
    c.p++;
    ws(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
        goto done;
    }
    for (;;) {
        char key[32];
        ws(&c);
        if (str(&c, key, sizeof key) < 0) return -1;
        ws(&c);
        if (c.p >= c.end || *c.p != ':') return -1;
        c.p++;
        ws(&c);
        if (c.p >= c.end) return -1;
        if (strcmp(key, "results") == 0 && *c.p == '{' && holder) {
            int r = holder(&c, state);
            if (r != 0) return r;
        } else if (strcmp(key, "results") == 0 && *c.p == '[') {
            c.p++;
            ws(&c);
            if (c.p < c.end && *c.p == ']') {
                c.p++;
            } else {
                for (;;) {
                    ws(&c);
                    int r = item(&c, state);
                    if (r != 0) return r;
                    out->results++;
                    ws(&c);
                    if (c.p >= c.end) return -1;
                    if (*c.p == ',') { c.p++; continue; }
                    if (*c.p == ']') { c.p++; break; }
                    return -1;
                }
            }
        } else if (*c.p == '"' && strcmp(key, "status") == 0) {
            if (str(&c, out->status, sizeof out->status) < 0) return -1;
        } else if (*c.p == '"' && strcmp(key, "request_id") == 0) {
            if (str(&c, out->request_id, sizeof out->request_id) < 0) return -1;
        } else if (*c.p == '"' && (strcmp(key, "error") == 0 || (strcmp(key, "message") == 0 && out->error[0] == '\0'))) {
            if (str(&c, out->error, sizeof out->error) < 0) return -1;
        } else if (*c.p == '"' && strcmp(key, "next_url") == 0) {
            cursor probe = c;
            long n = str(&probe, NULL, 0);
            if (n < 0 || n > 8192) return -1;
            free(out->next_url);
            out->next_url = malloc((size_t)n + 1);
            if (!out->next_url) return -1;
            if (str(&c, out->next_url, (size_t)n + 1) < 0) return -1;
        } else if (skip(&c, 1) != 0) {
            return -1;
        }
        ws(&c);
        if (c.p >= c.end) return -1;
        if (*c.p == ',') { c.p++; continue; }
        if (*c.p == '}') { c.p++; break; }
        return -1;
    }
done:
    ws(&c);
    return c.p == c.end ? 0 : -1;
}

/* Reads one flat object, calling field() for each key with the cursor at its value. */
typedef int (*field_fn)(cursor *c, const char *key, void *target);

static int object(cursor *c, field_fn field, void *target) {
    if (c->p >= c->end || *c->p != '{') return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    for (;;) {
        char key[32];
        ws(c);
        if (str(c, key, sizeof key) < 0) return -1;
        ws(c);
        if (c->p >= c->end || *c->p != ':') return -1;
        c->p++;
        ws(c);
        if (field(c, key, target) != 0) return -1;
        ws(c);
        if (c->p >= c->end) return -1;
        if (*c->p == ',') { c->p++; continue; }
        if (*c->p == '}') { c->p++; return 0; }
        return -1;
    }
}

/* Where the value of a bar's key (len bytes) goes: a double slot, or an integer (t, n). Returns
 * the PG_HAS_* flag, 0 for a key a bar does not use. One mapping for both readers. */
static unsigned bar_slot(pg_bar *b, const char *key, size_t len, double **slot, int64_t **whole) {
    *slot = NULL;
    *whole = NULL;
    if (len == 2 && key[0] == 'v' && key[1] == 'w') {
        *slot = &b->vw;
        return PG_HAS_VW;
    }
    if (len != 1) return 0;
    switch (key[0]) {
    case 'o': *slot = &b->o; return PG_HAS_O;
    case 'h': *slot = &b->h; return PG_HAS_H;
    case 'l': *slot = &b->l; return PG_HAS_L;
    case 'c': *slot = &b->c; return PG_HAS_C;
    case 'v': *slot = &b->v; return PG_HAS_V;
    case 't': *whole = &b->t; return PG_HAS_T;
    case 'n': *whole = &b->n; return PG_HAS_N;
    default: return 0;
    }
}

/* Stores v through the slot bar_slot found; an integer field must be a number within int64. */
static int bar_store(double v, double *slot, int64_t *whole) {
    if (slot) {
        *slot = v;
        return 0;
    }
    if (v != v || v < -9.2e18 || v > 9.2e18) return -1;
    *whole = (int64_t)v;
    return 0;
}

static int bar_field(cursor *c, const char *key, void *target) {
    pg_bar *b = target;
    double *slot;
    int64_t *whole;
    unsigned flag = bar_slot(b, key, strlen(key), &slot, &whole);
    if (!flag) return skip(c, 2);
    double v;
    if (num(c, &v) != 0 || bar_store(v, slot, whole) != 0) return -1;
    b->has |= flag;
    return 0;
}

typedef struct bar_state {
    pg_bar_fn fn;
    void *context;
} bar_state;

/* The compact shape Polygon sends, {"v":1.1e+03,"vw":42.1,"o":42,...,"t":1672531200000,"n":7}:
 * keys matched in place and numbers read where they stand, about half the work of the general
 * reader per bar. Returns 1 with the cursor past the object, or 0, cursor unchanged, for anything
 * else (whitespace, another key, another value type, an out-of-range integer): the general
 * reader then takes the object and accepts or rejects it exactly as before. */
static int bar_fast(cursor *c, pg_bar *b) {
    const char *p = c->p, *end = c->end;
    if (p >= end || *p != '{') return 0;
    p++;
    for (;;) {
        if (end - p < 5 || p[0] != '"') return 0;
        /* a one- or two-letter key, its closing quote, then the colon */
        size_t len = p[2] == '"' ? 1 : p[3] == '"' ? 2 : 0;
        if (len == 0 || p[len + 2] != ':') return 0;
        double *slot;
        int64_t *whole;
        unsigned flag = bar_slot(b, p + 1, len, &slot, &whole);
        if (!flag) return 0;
        p += len + 3;
        double v;
        size_t used = bf_scan_double(p, (size_t)(end - p), &v);
        if (used == 0) return 0;
        p += used;
        if (bar_store(v, slot, whole) != 0) return 0;
        b->has |= flag;
        if (p >= end) return 0;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '}') return 0;
        c->p = p + 1;
        return 1;
    }
}

static int fast_bars = 1;
void pg_parse_set_fast_path(int on) { fast_bars = on; }

static int bar_item(cursor *c, void *state) {
    bar_state *s = state;
    pg_bar b;
    memset(&b, 0, sizeof b);
    if (!fast_bars || !bar_fast(c, &b)) {
        memset(&b, 0, sizeof b);
        if (object(c, bar_field, &b) != 0) return -1;
    }
    return s->fn(s->context, &b) != 0 ? -2 : 0;
}

int pg_parse_aggs(const char *body, size_t length, pg_response *out, pg_bar_fn on_bar, void *context) {
    bar_state s = {on_bar, context};
    return walk(body, length, out, bar_item, NULL, &s);
}

static int event_field(cursor *c, const char *key, void *target) {
    pg_event_item *e = target;
    struct { const char *name; char *slot; size_t cap; } strings[] = {
        {"execution_date", e->execution_date, sizeof e->execution_date},
        {"ex_dividend_date", e->ex_dividend_date, sizeof e->ex_dividend_date},
        {"pay_date", e->pay_date, sizeof e->pay_date},
        {"record_date", e->record_date, sizeof e->record_date},
        {"declaration_date", e->declaration_date, sizeof e->declaration_date},
        {"currency", e->currency, sizeof e->currency},
        {"ticker", e->ticker, sizeof e->ticker},
        {"date", e->date, sizeof e->date},
        {"time", e->time, sizeof e->time},
        {"fiscal_period", e->fiscal_period, sizeof e->fiscal_period},
        {"type", e->type, sizeof e->type},
        {"list_date", e->list_date, sizeof e->list_date},
        {"delisted_utc", e->delisted_utc, sizeof e->delisted_utc},
    };
    /* a ticker change's new ticker: {"ticker_change": {"ticker": "META"}} */
    if (strcmp(key, "ticker_change") == 0 && c->p < c->end && *c->p == '{') return object(c, event_field, e);
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        if (strcmp(key, strings[i].name) == 0 && c->p < c->end && *c->p == '"') {
            return str(c, strings[i].slot, strings[i].cap) < 0 ? -1 : 0;
        }
    }
    struct { const char *name; double *slot; unsigned flag; } doubles[] = {
        {"split_from", &e->split_from, PG_EV_SPLIT_FROM}, {"split_to", &e->split_to, PG_EV_SPLIT_TO},
        {"cash_amount", &e->cash_amount, PG_EV_CASH},
        {"fiscal_year", &e->fiscal_year, PG_EV_FISCAL_YEAR},
        {"estimated_eps", &e->estimated_eps, PG_EV_EPS_ESTIMATE},
        {"actual_eps", &e->actual_eps, PG_EV_EPS_ACTUAL},
        {"estimated_revenue", &e->estimated_revenue, PG_EV_REVENUE_ESTIMATE},
        {"actual_revenue", &e->actual_revenue, PG_EV_REVENUE_ACTUAL},
    };
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        if (strcmp(key, doubles[i].name) == 0) {
            /* null (a figure not reported yet) leaves the field unset */
            if (c->p < c->end && *c->p == 'n') return skip(c, 2);
            if (num(c, doubles[i].slot) != 0) return -1;
            e->has |= doubles[i].flag;
            return 0;
        }
    }
    return skip(c, 2);
}

typedef struct event_state {
    pg_event_fn fn;
    void *context;
    size_t *count;
} event_state;

static int event_item(cursor *c, void *state) {
    event_state *s = state;
    pg_event_item e;
    memset(&e, 0, sizeof e);
    if (object(c, event_field, &e) != 0) return -1;
    return s->fn(s->context, &e) != 0 ? -2 : 0;
}

int pg_parse_events(const char *body, size_t length, pg_response *out, pg_event_fn on_item, void *context) {
    event_state s = {on_item, context, NULL};
    return walk(body, length, out, event_item, NULL, &s);
}

/* The ticker events' `results` object: its `events` array's items go to the callback; the
 * other keys (name, composite_figi, cik) are skipped. */
static int ticker_holder(cursor *c, void *state) {
    event_state *s = state;
    c->p++;
    for (;;) {
        char key[32];
        ws(c);
        if (c->p < c->end && *c->p == '}') { c->p++; return 0; }
        if (str(c, key, sizeof key) < 0) return -1;
        ws(c);
        if (c->p >= c->end || *c->p != ':') return -1;
        c->p++;
        ws(c);
        if (strcmp(key, "events") == 0 && c->p < c->end && *c->p == '[') {
            c->p++;
            ws(c);
            if (c->p < c->end && *c->p == ']') {
                c->p++;
            } else {
                for (;;) {
                    ws(c);
                    int r = event_item(c, s);
                    if (r != 0) return r;
                    (*s->count)++;
                    ws(c);
                    if (c->p >= c->end) return -1;
                    if (*c->p == ',') { c->p++; continue; }
                    if (*c->p == ']') { c->p++; break; }
                    return -1;
                }
            }
        } else if (skip(c, 2) != 0) {
            return -1;
        }
        ws(c);
        if (c->p >= c->end) return -1;
        if (*c->p == ',') { c->p++; continue; }
        if (*c->p == '}') { c->p++; return 0; }
        return -1;
    }
}

int pg_parse_ticker_events(const char *body, size_t length, pg_response *out, pg_event_fn on_item, void *context) {
    event_state s = {on_item, context, &out->results};
    return walk(body, length, out, event_item, ticker_holder, &s);
}

/* The ticker details' `results` object: one item (its list_date and delisted_utc). */
static int details_holder(cursor *c, void *state) {
    event_state *s = state;
    int r = event_item(c, s);
    if (r == 0) (*s->count)++;
    return r;
}

int pg_parse_ticker_details(const char *body, size_t length, pg_response *out, pg_event_fn on_item, void *context) {
    event_state s = {on_item, context, &out->results};
    return walk(body, length, out, event_item, details_holder, &s);
}
