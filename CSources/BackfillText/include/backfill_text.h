/*
 * backfill_text.h — small, allocation-free text helpers shared by the host and the plugins that
 * ship with Backfill: UTC civil-date arithmetic and strict parsers for the fields of candle CSV
 * files. Every function takes (pointer, length), needs no NUL terminator and never reads past
 * `length`.
 */
#ifndef BACKFILL_TEXT_H
#define BACKFILL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t bf_days_from_civil(int32_t year, int32_t month, int32_t day);
/* The date of a day number. */
void bf_civil_from_days(int64_t days, int32_t *year, int32_t *month, int32_t *day);

/* Parses a UTC time: `YYYY-MM-DD` (its midnight), `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+00:00]` (a
 * space may stand for T), or a plain integer of epoch milliseconds. Returns 1 and sets *out_ms on
 * success, 0 when the text is not one of these forms or names an impossible date or time. */
int bf_parse_time(const char *text, size_t length, int64_t *out_ms);

/* Parses a decimal number (`12`, `-1.5`, `1.12117471e+08`) that must fill the whole field.
 * Returns 1 on success; 0 for empty text, trailing garbage, or more than 63 characters.
 * "nan"/"inf" parse (so validation can report them by name). */
int bf_parse_double(const char *text, size_t length, double *out);

/* Parses the decimal number at the start of text (digits, optional fraction and exponent) and
 * returns how many bytes it took, 0 when there is none. Exact (correctly rounded). */
size_t bf_scan_double(const char *text, size_t length, double *out);

/* Parses an optionally signed decimal integer that fills the whole field. Returns 1 on success. */
int bf_parse_int64(const char *text, size_t length, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
