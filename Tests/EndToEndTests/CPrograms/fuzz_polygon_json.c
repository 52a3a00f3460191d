/* Robustness test of the Polygon response parser: every recorded response given on the command
 * line, then N deterministic mutations of each (byte flips, truncations, duplications, random
 * bytes), parsed by pg_parse_aggs and pg_parse_events. Built with sanitizers by the test, so any
 * out-of-bounds read, leak or undefined behaviour fails it. Prints "parsed N inputs". */
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

static int on_bar(void *c, const pg_bar *b) { (void)c; (void)b; return 0; }
static int on_event(void *c, const pg_event_item *e) { (void)c; (void)e; return 0; }

static void parse(const char *buf, size_t n) {
    /* An exact-size heap copy, so the sanitizer sees any read past the end. */
    char *copy = malloc(n ? n : 1);
    memcpy(copy, buf, n);
    pg_response r;
    pg_parse_aggs(copy, n, &r, on_bar, NULL);
    free(r.next_url);
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
        char *base = malloc(1 << 20);
        size_t n = fread(base, 1, 1 << 20, fp);
        fclose(fp);
        parse(base, n);
        inputs++;
        char *m = malloc(2 << 20);
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
        free(m);
        free(base);
    }
    /* Deep nesting must not recurse without bound. */
    char deep[200000];
    for (size_t i = 0; i < sizeof deep; i++) deep[i] = i % 2 ? '[' : '{';
    parse(deep, sizeof deep);
    printf("parsed %zu inputs\n", inputs + 1);
    return 0;
}
