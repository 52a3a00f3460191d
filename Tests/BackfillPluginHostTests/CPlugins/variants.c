/* Test plugins for the loader's failure cases, one per -D flag:
 *   -DNO_ENTRY      exports no bf_provider_entry
 *   -DDECLINE       the entry returns NULL (it refuses the host's major version)
 *   -DMAJOR2        the descriptor claims ABI 2.0
 *   -DSHORT         the descriptor's struct_size is too small for v1
 *   -DNEWER_MINOR   a plugin from a future 1.x: bigger descriptor with extra fields at the end
 *   -DOLDER_MINOR   a 1.0 plugin whose descriptor is exactly the v1.0 size (loads on any 1.x host)
 *   -DCRASH_IN_ENTRY the entry writes through a NULL pointer (loading it kills the loading process)
 *   -DPLUGIN_NAME="\"x\""  the provider's name (default "variant")
 * A loaded variant serves three fixed 1d candles for any symbol. */
#include "backfill_provider.h"

#include <stdlib.h>
#include <string.h>

#ifndef PLUGIN_NAME
#define PLUGIN_NAME "variant"
#endif

struct bf_instance {
    int unused;
};

__attribute__((unused)) static bf_status create(const bf_config_entry *config, size_t count, bf_instance **out, char *message,
                        size_t capacity) {
    (void)config;
    (void)count;
    (void)message;
    (void)capacity;
    *out = calloc(1, sizeof(bf_instance));
    return *out ? BF_OK : BF_PERMANENT;
}

__attribute__((unused)) static void destroy(bf_instance *instance) { free(instance); }

__attribute__((unused)) static bf_status fetch(bf_instance *instance, const bf_candle_request *request, bf_candle_sink *sink,
                       bf_page_result *result) {
    (void)instance;
    uint32_t n = 0;
    for (int64_t day = 0; day < 3 && n < sink->capacity; day++) {
        int64_t ts = 1577923200000LL + day * 86400000LL; /* 2020-01-02 .. 2020-01-04 */
        if (ts < request->start_ms || ts >= request->end_ms) continue;
        sink->ts[n] = ts;
        sink->open[n] = 10 + (double)day;
        sink->high[n] = 12 + (double)day;
        sink->low[n] = 9 + (double)day;
        sink->close[n] = 11 + (double)day;
        sink->volume[n] = 1000;
        sink->vwap[n] = 10.5 + (double)day;
        sink->trades[n] = 7;
        n++;
    }
    result->count = n;
    bf_write_message(result->next_cursor, result->next_cursor_capacity, "");
    return BF_OK;
}

#ifdef NEWER_MINOR
/* What a 1.7 descriptor might look like: the 1.0 fields, then new ones at the end. */
typedef struct {
    bf_provider_descriptor v1_0;
    double some_future_field;
    const char *another_future_field;
} future_descriptor;
__attribute__((unused)) static future_descriptor descriptor;
#define DESCRIPTOR descriptor.v1_0
#else
__attribute__((unused)) static bf_provider_descriptor descriptor;
#define DESCRIPTOR descriptor
#endif

/* ABI 1.1: the options create accepts (a 1.0-sized descriptor hides them from the host). */
__attribute__((unused)) static const bf_option_spec options[] = {
    {"token", NULL, 1, "a secret"},
    {"mode", "fast", 0, "how to serve"},
    {NULL, NULL, 0, NULL},
};

#ifndef NO_ENTRY
const bf_provider_descriptor *bf_provider_entry(uint32_t host_abi_version, const bf_host_services *host) {
    (void)host;
#ifdef DECLINE
    (void)host_abi_version;
    return NULL;
#else
#ifdef CRASH_IN_ENTRY
    volatile int *nowhere = NULL;
    *nowhere = 1;
#endif
    if (BF_ABI_MAJOR(host_abi_version) != BF_ABI_VERSION_MAJOR) return NULL;
    DESCRIPTOR.struct_size = sizeof(bf_provider_descriptor);
    DESCRIPTOR.abi_version = BF_ABI_VERSION;
#ifdef MAJOR2
    DESCRIPTOR.abi_version = (2u << 16) | 0u;
#endif
#ifdef SHORT
    DESCRIPTOR.struct_size = 16;
#endif
#ifdef NEWER_MINOR
    DESCRIPTOR.struct_size = sizeof(future_descriptor);
    DESCRIPTOR.abi_version = (1u << 16) | 7u;
    descriptor.some_future_field = 1.5;
#endif
#ifdef OLDER_MINOR
    DESCRIPTOR.struct_size = BF_DESCRIPTOR_V1_0_SIZE;
    DESCRIPTOR.abi_version = (1u << 16) | 0u;
#endif
    DESCRIPTOR.name = PLUGIN_NAME;
    DESCRIPTOR.version = "0.0.1";
    DESCRIPTOR.description = "loader test variant";
    DESCRIPTOR.capabilities = BF_CAP_CANDLES;
    DESCRIPTOR.timeframes = BF_TF_BIT(BF_TF_1D);
    DESCRIPTOR.default_rate = 2.5;
    DESCRIPTOR.max_page_rows = 100;
    DESCRIPTOR.create = create;
    DESCRIPTOR.destroy = destroy;
    DESCRIPTOR.fetch_candles = fetch;
    DESCRIPTOR.fetch_events = NULL;
    DESCRIPTOR.options = options;
    return &DESCRIPTOR;
#endif
}
#else
int not_the_entry(void) { return 0; }
#endif
