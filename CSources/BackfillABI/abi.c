// Layout checks for the provider ABI, plus the status names both sides print.
#include "backfill_provider.h"

_Static_assert(sizeof(int64_t) == 8, "int64_t must be 8 bytes");
_Static_assert(sizeof(double) == 8, "double must be IEEE-754 binary64");
_Static_assert(offsetof(bf_provider_descriptor, struct_size) == 0, "descriptor opens with its size");
_Static_assert(offsetof(bf_provider_descriptor, abi_version) == 4, "then its ABI version");
_Static_assert(offsetof(bf_candle_sink, struct_size) == 0, "sink opens with its size");
_Static_assert(offsetof(bf_page_result, struct_size) == 0, "page result opens with its size");
_Static_assert(offsetof(bf_event, struct_size) == 0, "event opens with its size");
_Static_assert(BF_DESCRIPTOR_V1_0_SIZE == offsetof(bf_provider_descriptor, options),
               "v1.0 descriptor ends with fetch_events; later fields go after it");
_Static_assert(BF_DESCRIPTOR_V1_1_SIZE == sizeof(bf_provider_descriptor),
               "v1.1 descriptor ends with options; later fields go after it");

const char *bf_status_name(bf_status status) {
    switch (status) {
    case BF_OK: return "ok";
    case BF_NO_DATA: return "no_data";
    case BF_RATE_LIMITED: return "rate_limited";
    case BF_TRANSIENT: return "transient";
    case BF_UNAUTHORIZED: return "unauthorized";
    case BF_NOT_ENTITLED: return "not_entitled";
    case BF_BAD_REQUEST: return "bad_request";
    case BF_PERMANENT: return "permanent";
    default: return "unknown";
    }
}
