/*
 * faulty.c — a test provider plugin that misbehaves on purpose, built from the ABI header alone
 * (as a third party would), for the process-isolation tests.
 *
 * It serves one bar per timeframe step in [start, end) for any symbol (prices a pure function of
 * the bar start), and does what `fault` says in fetch_candles, for every symbol or only for
 * `fault_symbol`:
 *   none    serve normally (the default)
 *   segv    write through a NULL pointer
 *   abort   abort()
 *   exit    exit(3)
 *   hang    never return
 *   alloc   allocate and touch memory until malloc fails, then fail the request permanently
 *   print   print to stdout and stderr, then serve normally
 *   fds     print the descriptors open in the process (number=target), then serve normally
 *
 * Build: cc -std=c11 -Wall -Werror -shared -fPIC -I CSources/BackfillABI/include -o libfaulty.so faulty.c
 */
#define _DEFAULT_SOURCE
#include "backfill_provider.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bf_instance {
    char fault[16];
    char fault_symbol[64];
};

static const int64_t bar_ms[BF_TF_COUNT] = {60000, 300000, 900000, 1800000, 3600000, 14400000, 86400000, 604800000};

static bf_status create(const bf_config_entry *config, size_t count, bf_instance **out, char *message, size_t capacity) {
    bf_instance *i = calloc(1, sizeof *i);
    if (i == NULL) return BF_PERMANENT;
    strcpy(i->fault, "none");
    for (size_t k = 0; k < count; k++) {
        if (strcmp(config[k].key, "fault") == 0) {
            snprintf(i->fault, sizeof i->fault, "%s", config[k].value);
        } else if (strcmp(config[k].key, "fault_symbol") == 0) {
            snprintf(i->fault_symbol, sizeof i->fault_symbol, "%s", config[k].value);
        } else {
            bf_write_message(message, capacity, "unknown option");
            free(i);
            return BF_BAD_REQUEST;
        }
    }
    *out = i;
    return BF_OK;
}

static void destroy(bf_instance *i) { free(i); }

/* Does the fault; returns only for the faults that return (alloc, print) or for none. */
static bf_status misbehave(const bf_instance *i, bf_page_result *result) {
    if (strcmp(i->fault, "segv") == 0) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    } else if (strcmp(i->fault, "abort") == 0) {
        abort();
    } else if (strcmp(i->fault, "exit") == 0) {
        exit(3);
    } else if (strcmp(i->fault, "hang") == 0) {
        for (;;) sleep(1);
    } else if (strcmp(i->fault, "alloc") == 0) {
        size_t chunk = (size_t)64 << 20, total = 0;
        for (;;) {
            char *p = malloc(chunk);
            if (p == NULL) break;
            memset(p, 1, chunk);
            total += chunk;
        }
        char text[96];
        snprintf(text, sizeof text, "out of memory after %zu MiB", total >> 20);
        bf_write_message(result->message, result->message_capacity, text);
        return BF_PERMANENT;
    } else if (strcmp(i->fault, "fds") == 0) {
        DIR *d = opendir("/proc/self/fd");
        char line[4096] = "fds:";
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d)) continue;
            char path[64], target[256];
            snprintf(path, sizeof path, "/proc/self/fd/%d", atoi(e->d_name));
            ssize_t n = readlink(path, target, sizeof target - 1);
            target[n > 0 ? n : 0] = '\0';
            size_t used = strlen(line);
            snprintf(line + used, sizeof line - used, " %s=%s", e->d_name, target);
        }
        if (d != NULL) closedir(d);
        printf("%s\n", line);
        fflush(stdout);
    } else if (strcmp(i->fault, "print") == 0) {
        printf("hello from the plugin on stdout\n");
        fflush(stdout);
        fprintf(stderr, "and on stderr\n");
    }
    return BF_OK;
}

static bf_status fetch(bf_instance *i, const bf_candle_request *rq, bf_candle_sink *sink, bf_page_result *result) {
    if (i->fault_symbol[0] == '\0' || strcmp(i->fault_symbol, rq->symbol) == 0) {
        bf_status s = misbehave(i, result);
        if (s != BF_OK) return s;
    }
    int64_t step = bar_ms[rq->timeframe];
    int64_t ts = rq->start_ms - (rq->start_ms % step + step) % step;
    if (ts < rq->start_ms) ts += step;
    if (rq->cursor != NULL && rq->cursor[0] != '\0') ts = strtoll(rq->cursor, NULL, 10);
    uint32_t limit = rq->page_limit != 0 && rq->page_limit < sink->capacity ? rq->page_limit : sink->capacity;
    uint32_t n = 0;
    for (; n < limit && ts < rq->end_ms; n++, ts += step) {
        double p = 100.0 + (double)((ts / step) % 50) * 0.25;
        sink->ts[n] = ts;
        sink->open[n] = p;
        sink->high[n] = p + 1;
        sink->low[n] = p - 1;
        sink->close[n] = p + 0.5;
        sink->volume[n] = 1000;
        sink->vwap[n] = p + 0.25;
        sink->trades[n] = 10;
    }
    result->count = n;
    char cursor[32] = "";
    if (ts < rq->end_ms) snprintf(cursor, sizeof cursor, "%" PRId64, ts);
    bf_write_message(result->next_cursor, result->next_cursor_capacity, cursor);
    return BF_OK;
}

static const bf_option_spec options[] = {
    {"fault", "none", 0, "none, segv, abort, exit, hang, alloc, print or fds"},
    {"fault_symbol", NULL, 0, "misbehave only for this symbol"},
    {NULL, NULL, 0, NULL},
};

static const bf_provider_descriptor descriptor = {
    .struct_size = sizeof(bf_provider_descriptor),
    .abi_version = BF_ABI_VERSION,
    .name = "faulty",
    .version = "1.0.0",
    .description = "misbehaves on purpose (isolation tests)",
    .capabilities = BF_CAP_CANDLES,
    .timeframes = BF_TF_ALL,
    .daily_stamp = BF_DAILY_STAMP_UTC_MIDNIGHT,
    .default_rate = 0.0,
    .four_hour_anchor = BF_ANCHOR_4H_UTC_MIDNIGHT,
    .max_page_rows = 1000,
    .create = create,
    .destroy = destroy,
    .fetch_candles = fetch,
    .fetch_events = NULL,
    .options = options,
};

const bf_provider_descriptor *bf_provider_entry(uint32_t host_abi_version, const bf_host_services *host) {
    (void)host;
    if (BF_ABI_MAJOR(host_abi_version) != BF_ABI_VERSION_MAJOR) return NULL;
    return &descriptor;
}
