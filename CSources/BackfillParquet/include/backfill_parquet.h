/*
 * backfill_parquet.h — a small streaming Parquet writer for flat tables of strings, timestamps,
 * doubles and 64-bit integers (what `backfill export ... --format parquet` writes).
 *
 * Why our own: Debian 12 packages no Arrow or Parquet C library, and the files Backfill writes
 * need a sliver of the format. Written from the format's specification (parquet-format's
 * README, Encodings.md and parquet.thrift), not from another implementation:
 *   - file: "PAR1", row groups, FileMetaData (Thrift compact protocol), its length, "PAR1";
 *     FileMetaData version 2, with logical types and a type-defined column order;
 *   - one row group per at most `row_group_rows` rows; in it, each column's chunk is its pages,
 *     at most BF_PQ_PAGE_ROWS rows each (data pages v1);
 *   - strings: a dictionary page (PLAIN) and RLE_DICTIONARY data pages; the rest PLAIN;
 *   - optional columns: definition levels (RLE, bit width 1); required ones have none;
 *   - page bodies compressed with ZSTD (libzstd) or stored uncompressed;
 *   - statistics per column chunk: null count, min_value and max_value (a zero minimum written
 *     as -0.0 and a zero maximum as +0.0, as the specification asks; none for a double chunk
 *     that holds a NaN, which min/max cannot describe).
 * Memory: the current row group's values, so a writer's memory is flat whatever the file's
 * length. Rows are appended in batches; a string column takes one value per batch (a batch is
 * one series: its symbol and timeframe).
 */
#ifndef BACKFILL_PARQUET_H
#define BACKFILL_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Rows per data page. */
#define BF_PQ_PAGE_ROWS 65536

typedef enum bf_pq_kind {
    BF_PQ_STRING = 0,       /* BYTE_ARRAY, logical STRING, dictionary-encoded */
    BF_PQ_TIMESTAMP_MS = 1, /* INT64, logical TIMESTAMP(MILLIS, isAdjustedToUTC = true) */
    BF_PQ_DOUBLE = 2,       /* DOUBLE */
    BF_PQ_INT64 = 3,        /* INT64 */
} bf_pq_kind;

typedef enum bf_pq_codec {
    BF_PQ_UNCOMPRESSED = 0,
    BF_PQ_ZSTD = 6,
} bf_pq_codec;

typedef struct bf_pq_column {
    const char *name;
    bf_pq_kind kind;
    int optional; /* 1: nullable (definition levels), 0: required */
} bf_pq_column;

/* One batch's values of one column: `text` for a string column (the same for every row of the
 * batch), else `i64` or `f64` with one value per row; `valid` (optional columns; NULL: all
 * present) has one byte per row, 0 for null. */
typedef struct bf_pq_values {
    const char *text;
    const int64_t *i64;
    const double *f64;
    const uint8_t *valid;
} bf_pq_values;

typedef struct bf_pq_writer bf_pq_writer;

/* A writer to `fd` (positioned at the start of an empty file; not closed by the writer). NULL
 * when out of memory or the arguments are wrong (no column, row_group_rows 0, unknown codec). */
bf_pq_writer *bf_pq_open(int fd, const bf_pq_column *columns, int ncolumns, size_t row_group_rows, bf_pq_codec codec,
                         int level, const char *created_by);

/* Appends n rows (values[c] for column c). 0, or -1 with bf_pq_error set. */
int bf_pq_append(bf_pq_writer *w, const bf_pq_values *values, size_t n);

/* Writes the last row group and the footer, and frees the writer. 0, or -1 (the message is
 * copied into `error`, which holds `error_size` bytes). */
int bf_pq_close(bf_pq_writer *w, char *error, size_t error_size);

/* Frees a writer without finishing the file (after an error). */
void bf_pq_free(bf_pq_writer *w);

/* The last error ("" when none). */
const char *bf_pq_error(const bf_pq_writer *w);

/* Rows written so far (including the current row group's). */
uint64_t bf_pq_rows(const bf_pq_writer *w);

#ifdef __cplusplus
}
#endif
#endif
