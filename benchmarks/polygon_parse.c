/* Parsing speed of the Polygon plugin's response parser on a 50,000-result aggregates page
 * (the largest page Polygon returns), in the shape Polygon sends (v in exponent form, vw, n).
 *   cc -O2 -I Plugins/Polygon/include -I CSources/BackfillText/include benchmarks/polygon_parse.c \
 *      Plugins/Polygon/json.c CSources/BackfillText/text.c -o /tmp/pp && /tmp/pp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "polygon_provider.h"

static int count_bar(void *c, const pg_bar *b) {
    (*(size_t *)c)++;
    return b->has ? 0 : 1;
}

int main(void) {
    size_t cap = 8u << 20, n = 0;
    char *body = malloc(cap);
    n += (size_t)sprintf(body + n, "{\"ticker\":\"X:BTCUSD\",\"queryCount\":50000,\"resultsCount\":50000,\"adjusted\":false,\"results\":[");
    for (int i = 0; i < 50000; i++) {
        double o = 42000 + (i % 997) * 0.37;
        n += (size_t)sprintf(body + n, "%s{\"v\":%.8e,\"vw\":%.4f,\"o\":%.2f,\"c\":%.2f,\"h\":%.2f,\"l\":%.2f,\"t\":%lld,\"n\":%d}",
                             i ? "," : "", 1.12117471e+03 + i, o + 0.1, o, o + 0.2, o + 0.5, o - 0.5,
                             1672531200000LL + i * 60000LL, 100 + i % 50);
    }
    n += (size_t)sprintf(body + n, "],\"status\":\"OK\",\"request_id\":\"b7a1\",\"count\":50000}");
    double best[7];
    for (int r = 0; r < 7; r++) {
        size_t bars = 0;
        pg_response resp;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int rc = pg_parse_aggs(body, n, &resp, count_bar, &bars);
        clock_gettime(CLOCK_MONOTONIC, &b);
        free(resp.next_url);
        if (rc != 0 || bars != 50000) return 1;
        best[r] = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    }
    for (int i = 0; i < 7; i++)
        for (int j = i + 1; j < 7; j++)
            if (best[j] < best[i]) { double t = best[i]; best[i] = best[j]; best[j] = t; }
    printf("50,000-result page (%.2f MB): median %.2f ms, %.1f M candles/s, %.0f MB/s\n", n / 1e6, best[3] * 1e3,
           50000 / best[3] / 1e6, n / best[3] / 1e6);
    free(body);
    return 0;
}
