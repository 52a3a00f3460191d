/* Robustness test of the Polygon response parser: every recorded response given on the command
 * line, as recorded and compacted (no whitespace, the shape Polygon sends and the compact-bar
 * reader takes), then N deterministic mutations of each (byte flips, truncations, duplications,
 * random bytes), parsed by pg_parse_aggs and pg_parse_events. Built with sanitizers by the test,
 * so any out-of-bounds read, leak or undefined behaviour fails it. Every input's aggregates are
 * parsed twice, with and without the compact-bar reader, and must give the same status and the
 * same bars, field for field. Prints "parsed N inputs, M bars". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polygon_provider.h"

static unsigned long long state = 0x243F6A8885A308D3ull;
static unsigned long long next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

typedef struct bars {
    pg_bar *items;
    size_t count, capacity;
} bars;

static int on_bar(void *c, const pg_bar *b) {
    bars *list = c;
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? 2 * list->capacity : 64;
        list->items = realloc(list->items, list->capacity * sizeof *b);
        if (!list->items) abort();
    }
    list->items[list->count++] = *b;
    return 0;
}

static size_t bars_total;

/* The aggregates of buf with and without the compact-bar reader: the same status, results and
 * bars (compared field by field; NaN never occurs, numbers are finite or rejected). */
static void parse_aggs_both(const char *buf, size_t n) {
    bars a = {0}, b = {0};
    pg_response ra, rb;
    pg_parse_set_fast_path(1);
    int sa = pg_parse_aggs(buf, n, &ra, on_bar, &a);
    pg_parse_set_fast_path(0);
    int sb = pg_parse_aggs(buf, n, &rb, on_bar, &b);
    pg_parse_set_fast_path(1);
    int same = sa == sb && a.count == b.count && (sa != 0 || ra.results == rb.results);
    for (size_t i = 0; same && i < a.count; i++) {
        const pg_bar *x = &a.items[i], *y = &b.items[i];
        same = x->has == y->has && x->t == y->t && x->n == y->n && memcmp(&x->o, &y->o, sizeof x->o) == 0 &&
               memcmp(&x->h, &y->h, sizeof x->h) == 0 && memcmp(&x->l, &y->l, sizeof x->l) == 0 &&
               memcmp(&x->c, &y->c, sizeof x->c) == 0 && memcmp(&x->v, &y->v, sizeof x->v) == 0 &&
               memcmp(&x->vw, &y->vw, sizeof x->vw) == 0;
    }
    if (!same) {
        fprintf(stderr, "compact-bar reader disagrees: status %d vs %d, %zu vs %zu bars\n", sa, sb, a.count, b.count);
        exit(3);
    }
    bars_total += a.count;
    free(ra.next_url);
    free(rb.next_url);
    free(a.items);
    free(b.items);
}

/* buf without whitespace outside strings, into out (same capacity); returns the length. */
static size_t compact(const char *buf, size_t n, char *out) {
    size_t k = 0;
    int in_string = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (in_string) {
            out[k++] = ch;
            if (ch == '\\' && i + 1 < n) out[k++] = buf[++i];
            else if (ch == '"') in_string = 0;
        } else if (ch == '"') {
            in_string = 1;
            out[k++] = ch;
        } else if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') {
            out[k++] = ch;
        }
    }
    return k;
}
static int on_event(void *c, const pg_event_item *e) { (void)c; (void)e; return 0; }

static void parse(const char *buf, size_t n) {
    /* An exact-size heap copy, so the sanitizer sees any read past the end. */
    char *copy = malloc(n ? n : 1);
    memcpy(copy, buf, n);
    pg_response r;
    parse_aggs_both(copy, n);
    pg_parse_events(copy, n, &r, on_event, NULL);
    free(r.next_url);
    free(copy);
}

int main(int argc, char **argv) {
    int rounds = atoi(argv[1]);
    size_t inputs = 0;
    static const char *tokens[] = {"{", "}", "[", "]", "\"", ":", ",", "\\u00", "1e999", "-", "null", "\"results\":[", "\"next_url\":\""};
    for (int f = 2; f < argc; f++) {
        FILE *fp = fopen(argv[f], "rb");
        if (!fp) return 2;
        char *recorded = malloc(1 << 20), *base = malloc(1 << 20);
        size_t recorded_n = fread(recorded, 1, 1 << 20, fp);
        fclose(fp);
        char *m = malloc(2 << 20);
        for (int variant = 0; variant < 2; variant++) {
        size_t n = variant == 0 ? recorded_n : compact(recorded, recorded_n, base);
        if (variant == 0) memcpy(base, recorded, recorded_n);
        parse(base, n);
        inputs++;
        for (int i = 0; i < rounds; i++) {
            size_t len = n;
            memcpy(m, base, n);
            int edits = 1 + (int)(next() % 8);
            for (int e = 0; e < edits && len > 0; e++) {
                size_t at = next() % len;
                switch (next() % 5) {
                case 0: m[at] = (char)next(); break;
                case 1: len = at; break;
                case 2: { /* duplicate a slice */
                    size_t k = next() % 64;
                    if (at + k <= len && len + k < (2u << 20)) { memmove(m + at + k, m + at, len - at); len += k; }
                    break;
                }
                case 3: { /* insert a JSON token */
                    const char *t = tokens[next() % (sizeof tokens / sizeof tokens[0])];
                    size_t k = strlen(t);
                    if (len + k < (2u << 20)) { memmove(m + at + k, m + at, len - at); memcpy(m + at, t, k); len += k; }
                    break;
                }
                default: m[at] = "{}[]\",:0123456789.eE-"[next() % 21]; break;
                }
            }
            parse(m, len);
            inputs++;
        }
        }
        free(m);
        free(base);
        free(recorded);
    }
    /* Deep nesting must not recurse without bound. */
    char deep[200000];
    for (size_t i = 0; i < sizeof deep; i++) deep[i] = i % 2 ? '[' : '{';
    parse(deep, sizeof deep);
    printf("parsed %zu inputs, %zu bars\n", inputs + 1, bars_total);
    return 0;
}
