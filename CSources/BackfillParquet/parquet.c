/* The Parquet writer (backfill_parquet.h has what it writes and why it is ours).
 *
 * Layout of this file: a growable byte buffer; the Thrift compact protocol (just the encoder);
 * the RLE/bit-packing hybrid (RLE runs only); column buffers and their statistics; pages and
 * row groups; the footer. */
#include "backfill_parquet.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* ---- bytes ---------------------------------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    int failed; /* an allocation failed: the buffer's content is not to be used */
} buf;

static int buf_reserve(buf *b, size_t more) {
    if (b->failed) return -1;
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void buf_put(buf *b, const void *data, size_t n) {
    if (n == 0 || buf_reserve(b, n) != 0) return;
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void buf_byte(buf *b, uint8_t v) { buf_put(b, &v, 1); }

static void buf_le32(buf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_put(b, x, 4);
}

static void buf_le64(buf *b, uint64_t v) {
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
    buf_put(b, x, 8);
}

static void buf_varint(buf *b, uint64_t v) {
    while (v >= 0x80) {
        buf_byte(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    buf_byte(b, (uint8_t)v);
}

static void buf_free(buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- Thrift compact protocol (encoder) ------------------------------------------------------
 * A field is a header byte (id delta << 4 | type, or type then the zigzag id) and its value;
 * a struct ends with a 0 byte; integers are zigzag varints; binary is a varint length and the
 * bytes; a list is a header (size << 4 | element type, or 0xF0 | type then the size) and its
 * elements without field headers. */

enum { TC_TRUE = 1, TC_FALSE = 2, TC_I32 = 5, TC_I64 = 6, TC_BINARY = 8, TC_LIST = 9, TC_STRUCT = 12 };

typedef struct tc {
    buf *b;
    int16_t last[16]; /* the last field id of each open struct */
    int depth;
} tc;

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static void tc_field(tc *t, int16_t id, uint8_t type) {
    int16_t delta = (int16_t)(id - t->last[t->depth]);
    if (delta > 0 && delta <= 15) {
        buf_byte(t->b, (uint8_t)(delta << 4 | type));
    } else {
        buf_byte(t->b, type);
        buf_varint(t->b, zigzag(id));
    }
    t->last[t->depth] = id;
}

static void tc_begin(tc *t) { t->last[++t->depth] = 0; }
static void tc_end(tc *t) {
    buf_byte(t->b, 0);
    t->depth--;
}
static void tc_i32(tc *t, int16_t id, int32_t v) {
    tc_field(t, id, TC_I32);
    buf_varint(t->b, zigzag(v));
}
static void tc_i64(tc *t, int16_t id, int64_t v) {
    tc_field(t, id, TC_I64);
    buf_varint(t->b, zigzag(v));
}
static void tc_binary(tc *t, int16_t id, const void *p, size_t n) {
    tc_field(t, id, TC_BINARY);
    buf_varint(t->b, n);
    buf_put(t->b, p, n);
}
static void tc_string(tc *t, int16_t id, const char *s) { tc_binary(t, id, s, strlen(s)); }
static void tc_bool(tc *t, int16_t id, int v) { tc_field(t, id, v ? TC_TRUE : TC_FALSE); }
static void tc_struct(tc *t, int16_t id) {
    tc_field(t, id, TC_STRUCT);
    tc_begin(t);
}
static void tc_list(tc *t, int16_t id, uint8_t type, size_t n) {
    tc_field(t, id, TC_LIST);
    if (n < 15) {
        buf_byte(t->b, (uint8_t)(n << 4 | type));
    } else {
        buf_byte(t->b, (uint8_t)(0xF0 | type));
        buf_varint(t->b, n);
    }
}
static void tc_list_i32(tc *t, int32_t v) { buf_varint(t->b, zigzag(v)); }
static void tc_list_string(tc *t, const char *s) {
    buf_varint(t->b, strlen(s));
    buf_put(t->b, s, strlen(s));
}
/* An empty struct as a field (the unit members of Thrift unions). */
static void tc_empty(tc *t, int16_t id) {
    tc_struct(t, id);
    tc_end(t);
}

/* parquet.thrift's numbers. */
enum { PQ_INT64 = 2, PQ_DOUBLE = 5, PQ_BYTE_ARRAY = 6 };
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1 };
enum { PQ_PLAIN = 0, PQ_RLE = 3, PQ_RLE_DICTIONARY = 8 };
enum { PQ_DATA_PAGE = 0, PQ_DICTIONARY_PAGE = 2 };
enum { PQ_CONVERTED_UTF8 = 0, PQ_CONVERTED_TIMESTAMP_MILLIS = 9 };

/* ---- the RLE / bit-packing hybrid, as RLE runs ---------------------------------------------
 * A run is varint(count << 1) then the value in ceil(width / 8) bytes, little-endian. */

static void rle_runs(buf *b, const uint32_t *v, size_t n, int width) {
    size_t bytes = (size_t)(width + 7) / 8;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j] == v[i]) j++;
        buf_varint(b, (uint64_t)(j - i) << 1);
        for (size_t k = 0; k < bytes; k++) buf_byte(b, (uint8_t)(v[i] >> (8 * k)));
        i = j;
    }
}

/* The definition levels of rows [a, b) (1 present, 0 null), as v1 pages hold them: a 4-byte
 * length, then the runs (bit width 1). */
static void def_levels(buf *b, const uint8_t *valid, size_t a, size_t e) {
    size_t at = b->len;
    buf_le32(b, 0);
    for (size_t i = a; i < e;) {
        size_t j = i + 1;
        while (j < e && valid[j] == valid[i]) j++;
        buf_varint(b, (uint64_t)(j - i) << 1);
        buf_byte(b, valid[i] ? 1 : 0);
        i = j;
    }
    if (b->failed) return;
    uint32_t n = (uint32_t)(b->len - at - 4);
    for (int k = 0; k < 4; k++) b->p[at + k] = (uint8_t)(n >> (8 * k));
}

/* ---- columns -------------------------------------------------------------------------------- */

typedef struct chunk_meta {
    int64_t first_offset, data_offset, dict_offset; /* dict_offset < 0: none */
    int64_t uncompressed, compressed, values, nulls;
    int has_minmax;
    uint8_t *min, *max; /* plain-encoded (strings: the bytes) */
    size_t min_len, max_len;
} chunk_meta;

typedef struct column {
    bf_pq_column spec;
    char *name;
    int64_t *i64; /* the row group's values (timestamps, integers) */
    double *f64;
    uint32_t *index; /* strings: dictionary index per row */
    uint8_t *valid;
    char **dict; /* strings: this row group's dictionary */
    size_t dict_n, dict_cap;
} column;

typedef struct row_group {
    int64_t rows, bytes;
    chunk_meta *chunks;
} row_group;

struct bf_pq_writer {
    int fd;
    int64_t offset;
    column *cols;
    int ncols;
    size_t rg_rows, rows; /* rows per row group; rows in the current one */
    uint64_t total;
    bf_pq_codec codec;
    int level;
    char *created_by;
    row_group *groups;
    size_t ngroups, groups_cap;
    buf page, packed, header;
    char error[256];
};

static int fail(bf_pq_writer *w, const char *what) {
    snprintf(w->error, sizeof w->error, "%s", what);
    return -1;
}

static int write_all(bf_pq_writer *w, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            snprintf(w->error, sizeof w->error, "%s", strerror(k < 0 ? errno : EIO));
            return -1;
        }
        p += k;
        n -= (size_t)k;
        w->offset += k;
    }
    return 0;
}

void bf_pq_free(bf_pq_writer *w) {
    if (w == NULL) return;
    for (int c = 0; c < w->ncols; c++) {
        column *col = &w->cols[c];
        free(col->name);
        free(col->i64);
        free(col->f64);
        free(col->index);
        free(col->valid);
        for (size_t k = 0; k < col->dict_n; k++) free(col->dict[k]);
        free(col->dict);
    }
    for (size_t g = 0; g < w->ngroups; g++) {
        for (int c = 0; c < w->ncols; c++) {
            free(w->groups[g].chunks[c].min);
            free(w->groups[g].chunks[c].max);
        }
        free(w->groups[g].chunks);
    }
    free(w->groups);
    free(w->cols);
    free(w->created_by);
    buf_free(&w->page);
    buf_free(&w->packed);
    buf_free(&w->header);
    free(w);
}

const char *bf_pq_error(const bf_pq_writer *w) { return w ? w->error : "out of memory"; }
uint64_t bf_pq_rows(const bf_pq_writer *w) { return w ? w->total : 0; }

bf_pq_writer *bf_pq_open(int fd, const bf_pq_column *columns, int ncolumns, size_t row_group_rows, bf_pq_codec codec,
                         int level, const char *created_by) {
    if (ncolumns <= 0 || row_group_rows == 0 || (codec != BF_PQ_UNCOMPRESSED && codec != BF_PQ_ZSTD)) return NULL;
    bf_pq_writer *w = calloc(1, sizeof *w);
    if (w == NULL) return NULL;
    w->fd = fd;
    w->rg_rows = row_group_rows;
    w->codec = codec;
    w->level = level;
    w->created_by = strdup(created_by ? created_by : "backfill");
    w->cols = calloc((size_t)ncolumns, sizeof *w->cols);
    if (w->cols == NULL || w->created_by == NULL) {
        bf_pq_free(w);
        return NULL;
    }
    w->ncols = ncolumns;
    for (int c = 0; c < ncolumns; c++) {
        column *col = &w->cols[c];
        col->spec = columns[c];
        col->name = strdup(columns[c].name);
        int ok = col->name != NULL;
        switch (columns[c].kind) {
        case BF_PQ_STRING: ok &= (col->index = malloc(row_group_rows * sizeof *col->index)) != NULL; break;
        case BF_PQ_TIMESTAMP_MS:
        case BF_PQ_INT64: ok &= (col->i64 = malloc(row_group_rows * sizeof *col->i64)) != NULL; break;
        case BF_PQ_DOUBLE: ok &= (col->f64 = malloc(row_group_rows * sizeof *col->f64)) != NULL; break;
        default: ok = 0;
        }
        if (columns[c].optional) ok &= (col->valid = malloc(row_group_rows)) != NULL;
        if (!ok) {
            bf_pq_free(w);
            return NULL;
        }
    }
    if (write_all(w, (const uint8_t *)"PAR1", 4) != 0) {
        bf_pq_free(w);
        return NULL;
    }
    return w;
}

/* The index of `text` in the column's row-group dictionary, added if new; -1 out of memory. */
static int64_t dict_index(column *col, const char *text) {
    for (size_t k = 0; k < col->dict_n; k++)
        if (strcmp(col->dict[k], text) == 0) return (int64_t)k;
    if (col->dict_n == col->dict_cap) {
        size_t cap = col->dict_cap ? col->dict_cap * 2 : 8;
        char **d = realloc(col->dict, cap * sizeof *d);
        if (d == NULL) return -1;
        col->dict = d;
        col->dict_cap = cap;
    }
    if ((col->dict[col->dict_n] = strdup(text)) == NULL) return -1;
    return (int64_t)col->dict_n++;
}

/* ---- statistics ----------------------------------------------------------------------------- */

static int set_bytes(uint8_t **dst, size_t *len, const void *src, size_t n) {
    uint8_t *p = realloc(*dst, n ? n : 1);
    if (p == NULL) return -1;
    memcpy(p, src, n);
    *dst = p;
    *len = n;
    return 0;
}

static int column_stats(const column *col, size_t rows, chunk_meta *m) {
    m->nulls = 0;
    m->has_minmax = 0;
    if (col->valid)
        for (size_t i = 0; i < rows; i++) m->nulls += col->valid[i] == 0;
    uint8_t le[8];
    switch (col->spec.kind) {
    case BF_PQ_STRING: {
        if (col->dict_n == 0) return 0;
        size_t lo = 0, hi = 0;
        for (size_t k = 1; k < col->dict_n; k++) {
            if (strcmp(col->dict[k], col->dict[lo]) < 0) lo = k; /* strcmp compares as unsigned char */
            if (strcmp(col->dict[k], col->dict[hi]) > 0) hi = k;
        }
        m->has_minmax = 1;
        return set_bytes(&m->min, &m->min_len, col->dict[lo], strlen(col->dict[lo])) |
               set_bytes(&m->max, &m->max_len, col->dict[hi], strlen(col->dict[hi]));
    }
    case BF_PQ_TIMESTAMP_MS:
    case BF_PQ_INT64: {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < rows; i++) {
            if (col->valid && !col->valid[i]) continue;
            if (col->i64[i] < lo) lo = col->i64[i];
            if (col->i64[i] > hi) hi = col->i64[i];
            m->has_minmax = 1;
        }
        if (!m->has_minmax) return 0;
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)((uint64_t)lo >> (8 * k));
        int rc = set_bytes(&m->min, &m->min_len, le, 8);
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)((uint64_t)hi >> (8 * k));
        return rc | set_bytes(&m->max, &m->max_len, le, 8);
    }
    case BF_PQ_DOUBLE: {
        /* A chunk holding a NaN gets no min/max: readers that trust them (DuckDB 1.x folds
         * isnan() to false when the range excludes NaN, for pyarrow's files too) would answer
         * wrong, and the format's min/max cannot say "and NaNs". */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < rows; i++) {
            double v = col->f64[i];
            if (col->valid && !col->valid[i]) continue;
            if (isnan(v)) {
                m->has_minmax = 0;
                return 0;
            }
            if (v < lo) lo = v;
            if (v > hi) hi = v;
            m->has_minmax = 1;
        }
        if (!m->has_minmax) return 0;
        if (lo == 0) lo = -0.0;
        if (hi == 0) hi = 0.0;
        uint64_t bits;
        memcpy(&bits, &lo, 8);
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)(bits >> (8 * k));
        int rc = set_bytes(&m->min, &m->min_len, le, 8);
        memcpy(&bits, &hi, 8);
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)(bits >> (8 * k));
        return rc | set_bytes(&m->max, &m->max_len, le, 8);
    }
    }
    return 0;
}

/* ---- pages ---------------------------------------------------------------------------------- */

/* Compresses w->page into w->packed (or uses it as is), writes the page header and the body;
 * adds the sizes to the chunk's. */
static int write_page(bf_pq_writer *w, chunk_meta *m, int type, int32_t values, int encoding) {
    if (w->page.failed) return fail(w, "out of memory");
    const uint8_t *body = w->page.p;
    size_t size = w->page.len;
    if (w->codec == BF_PQ_ZSTD) {
        w->packed.len = 0;
        size_t bound = ZSTD_compressBound(w->page.len);
        if (buf_reserve(&w->packed, bound) != 0) return fail(w, "out of memory");
        size_t n = ZSTD_compress(w->packed.p, bound, w->page.p, w->page.len, w->level);
        if (ZSTD_isError(n)) return fail(w, ZSTD_getErrorName(n));
        body = w->packed.p;
        size = n;
    }
    w->header.len = 0;
    tc t = {.b = &w->header};
    tc_i32(&t, 1, type);
    tc_i32(&t, 2, (int32_t)w->page.len);
    tc_i32(&t, 3, (int32_t)size);
    if (type == PQ_DICTIONARY_PAGE) {
        tc_struct(&t, 7);
        tc_i32(&t, 1, values);
        tc_i32(&t, 2, PQ_PLAIN);
        tc_end(&t);
    } else {
        tc_struct(&t, 5);
        tc_i32(&t, 1, values);
        tc_i32(&t, 2, encoding);
        tc_i32(&t, 3, PQ_RLE);
        tc_i32(&t, 4, PQ_RLE);
        tc_end(&t);
    }
    buf_byte(&w->header, 0); /* the PageHeader's end */
    if (w->header.failed) return fail(w, "out of memory");
    m->uncompressed += (int64_t)(w->header.len + w->page.len);
    m->compressed += (int64_t)(w->header.len + size);
    if (write_all(w, w->header.p, w->header.len) != 0) return -1;
    return write_all(w, body, size);
}

/* The column's chunk of the current row group: its pages, its statistics. */
static int write_chunk(bf_pq_writer *w, column *col, chunk_meta *m) {
    size_t rows = w->rows;
    memset(m, 0, sizeof *m);
    m->dict_offset = -1;
    m->first_offset = w->offset;
    m->values = (int64_t)rows;
    if (column_stats(col, rows, m) != 0) return fail(w, "out of memory");
    int width = 1;
    if (col->spec.kind == BF_PQ_STRING) {
        m->dict_offset = w->offset;
        w->page.len = 0;
        for (size_t k = 0; k < col->dict_n; k++) {
            size_t n = strlen(col->dict[k]);
            buf_le32(&w->page, (uint32_t)n);
            buf_put(&w->page, col->dict[k], n);
        }
        if (write_page(w, m, PQ_DICTIONARY_PAGE, (int32_t)col->dict_n, PQ_PLAIN) != 0) return -1;
        while (width < 32 && ((size_t)1 << width) < col->dict_n) width++;
    }
    m->data_offset = w->offset;
    for (size_t a = 0; a < rows; a += BF_PQ_PAGE_ROWS) {
        size_t e = a + BF_PQ_PAGE_ROWS < rows ? a + BF_PQ_PAGE_ROWS : rows;
        w->page.len = 0;
        if (col->valid) def_levels(&w->page, col->valid, a, e);
        int encoding = PQ_PLAIN;
        switch (col->spec.kind) {
        case BF_PQ_STRING:
            encoding = PQ_RLE_DICTIONARY;
            buf_byte(&w->page, (uint8_t)width);
            if (col->valid) {
                /* only present rows carry an index */
                for (size_t i = a; i < e; i++)
                    if (col->valid[i]) rle_runs(&w->page, col->index + i, 1, width);
            } else {
                rle_runs(&w->page, col->index + a, e - a, width);
            }
            break;
        case BF_PQ_TIMESTAMP_MS:
        case BF_PQ_INT64:
            for (size_t i = a; i < e; i++)
                if (!col->valid || col->valid[i]) buf_le64(&w->page, (uint64_t)col->i64[i]);
            break;
        case BF_PQ_DOUBLE:
            for (size_t i = a; i < e; i++) {
                if (col->valid && !col->valid[i]) continue;
                uint64_t bits;
                memcpy(&bits, &col->f64[i], 8);
                buf_le64(&w->page, bits);
            }
            break;
        }
        if (write_page(w, m, PQ_DATA_PAGE, (int32_t)(e - a), encoding) != 0) return -1;
    }
    return 0;
}

static int flush_row_group(bf_pq_writer *w) {
    if (w->rows == 0) return 0;
    if (w->ngroups == w->groups_cap) {
        size_t cap = w->groups_cap ? w->groups_cap * 2 : 8;
        row_group *g = realloc(w->groups, cap * sizeof *g);
        if (g == NULL) return fail(w, "out of memory");
        w->groups = g;
        w->groups_cap = cap;
    }
    row_group *g = &w->groups[w->ngroups];
    g->rows = (int64_t)w->rows;
    g->bytes = 0;
    g->chunks = calloc((size_t)w->ncols, sizeof *g->chunks);
    if (g->chunks == NULL) return fail(w, "out of memory");
    w->ngroups++;
    for (int c = 0; c < w->ncols; c++) {
        if (write_chunk(w, &w->cols[c], &g->chunks[c]) != 0) return -1;
        g->bytes += g->chunks[c].uncompressed;
        column *col = &w->cols[c];
        for (size_t k = 0; k < col->dict_n; k++) free(col->dict[k]);
        col->dict_n = 0;
    }
    w->rows = 0;
    return 0;
}

int bf_pq_append(bf_pq_writer *w, const bf_pq_values *values, size_t n) {
    size_t done = 0;
    while (done < n) {
        size_t take = w->rg_rows - w->rows;
        if (take > n - done) take = n - done;
        for (int c = 0; c < w->ncols; c++) {
            column *col = &w->cols[c];
            const bf_pq_values *v = &values[c];
            size_t at = w->rows;
            if (col->valid) {
                if (v->valid) memcpy(col->valid + at, v->valid + done, take);
                else memset(col->valid + at, 1, take);
            }
            switch (col->spec.kind) {
            case BF_PQ_STRING: {
                if (v->text == NULL) return fail(w, "a string column without its value");
                int64_t k = dict_index(col, v->text);
                if (k < 0) return fail(w, "out of memory");
                for (size_t i = 0; i < take; i++) col->index[at + i] = (uint32_t)k;
                break;
            }
            case BF_PQ_TIMESTAMP_MS:
            case BF_PQ_INT64:
                if (v->i64 == NULL) return fail(w, "an integer column without its values");
                memcpy(col->i64 + at, v->i64 + done, take * sizeof(int64_t));
                break;
            case BF_PQ_DOUBLE:
                if (v->f64 == NULL) return fail(w, "a double column without its values");
                memcpy(col->f64 + at, v->f64 + done, take * sizeof(double));
                break;
            }
        }
        w->rows += take;
        w->total += take;
        done += take;
        if (w->rows == w->rg_rows && flush_row_group(w) != 0) return -1;
    }
    return 0;
}

/* ---- the footer ----------------------------------------------------------------------------- */

static void schema_element(tc *t, const column *col) {
    tc_begin(t);
    int kind = col->spec.kind;
    tc_i32(t, 1, kind == BF_PQ_STRING ? PQ_BYTE_ARRAY : kind == BF_PQ_DOUBLE ? PQ_DOUBLE : PQ_INT64);
    tc_i32(t, 3, col->spec.optional ? PQ_OPTIONAL : PQ_REQUIRED);
    tc_string(t, 4, col->name);
    if (kind == BF_PQ_STRING) tc_i32(t, 6, PQ_CONVERTED_UTF8);
    if (kind == BF_PQ_TIMESTAMP_MS) tc_i32(t, 6, PQ_CONVERTED_TIMESTAMP_MILLIS);
    if (kind == BF_PQ_STRING || kind == BF_PQ_TIMESTAMP_MS) {
        tc_struct(t, 10); /* LogicalType */
        if (kind == BF_PQ_STRING) {
            tc_empty(t, 1); /* STRING */
        } else {
            tc_struct(t, 8); /* TIMESTAMP */
            tc_bool(t, 1, 1); /* isAdjustedToUTC */
            tc_struct(t, 2);  /* unit */
            tc_empty(t, 1);   /* MILLIS */
            tc_end(t);
            tc_end(t);
        }
        tc_end(t);
    }
    tc_end(t);
}

static void column_chunk(tc *t, const column *col, const chunk_meta *m, bf_pq_codec codec) {
    tc_begin(t);
    tc_i64(t, 2, m->first_offset);
    tc_struct(t, 3); /* ColumnMetaData */
    int kind = col->spec.kind;
    tc_i32(t, 1, kind == BF_PQ_STRING ? PQ_BYTE_ARRAY : kind == BF_PQ_DOUBLE ? PQ_DOUBLE : PQ_INT64);
    if (kind == BF_PQ_STRING) {
        tc_list(t, 2, TC_I32, 3);
        tc_list_i32(t, PQ_PLAIN);
        tc_list_i32(t, PQ_RLE);
        tc_list_i32(t, PQ_RLE_DICTIONARY);
    } else {
        tc_list(t, 2, TC_I32, 2);
        tc_list_i32(t, PQ_PLAIN);
        tc_list_i32(t, PQ_RLE);
    }
    tc_list(t, 3, TC_BINARY, 1);
    tc_list_string(t, col->name);
    tc_i32(t, 4, (int32_t)codec);
    tc_i64(t, 5, m->values);
    tc_i64(t, 6, m->uncompressed);
    tc_i64(t, 7, m->compressed);
    tc_i64(t, 9, m->data_offset);
    if (m->dict_offset >= 0) tc_i64(t, 11, m->dict_offset);
    tc_struct(t, 12); /* Statistics */
    tc_i64(t, 3, m->nulls);
    if (m->has_minmax) {
        tc_binary(t, 5, m->max, m->max_len);
        tc_binary(t, 6, m->min, m->min_len);
    }
    tc_end(t);
    tc_end(t);
    tc_end(t);
}

int bf_pq_close(bf_pq_writer *w, char *error, size_t error_size) {
    int rc = flush_row_group(w);
    if (rc == 0) {
        buf meta = {0};
        tc t = {.b = &meta};
        tc_i32(&t, 1, 2); /* version */
        tc_list(&t, 2, TC_STRUCT, (size_t)w->ncols + 1);
        tc_begin(&t); /* the root */
        tc_string(&t, 4, "schema");
        tc_i32(&t, 5, w->ncols);
        tc_end(&t);
        for (int c = 0; c < w->ncols; c++) schema_element(&t, &w->cols[c]);
        tc_i64(&t, 3, (int64_t)w->total);
        tc_list(&t, 4, TC_STRUCT, w->ngroups);
        for (size_t g = 0; g < w->ngroups; g++) {
            tc_begin(&t);
            tc_list(&t, 1, TC_STRUCT, (size_t)w->ncols);
            for (int c = 0; c < w->ncols; c++) column_chunk(&t, &w->cols[c], &w->groups[g].chunks[c], w->codec);
            tc_i64(&t, 2, w->groups[g].bytes);
            tc_i64(&t, 3, w->groups[g].rows);
            tc_end(&t);
        }
        tc_string(&t, 6, w->created_by);
        tc_list(&t, 7, TC_STRUCT, (size_t)w->ncols); /* column_orders: TYPE_ORDER for each */
        for (int c = 0; c < w->ncols; c++) {
            tc_begin(&t);
            tc_empty(&t, 1);
            tc_end(&t);
        }
        buf_byte(&meta, 0); /* FileMetaData's end */
        if (meta.failed) {
            rc = fail(w, "out of memory");
        } else {
            size_t len = meta.len;
            buf_le32(&meta, (uint32_t)len);
            buf_put(&meta, "PAR1", 4);
            rc = meta.failed ? fail(w, "out of memory") : write_all(w, meta.p, meta.len);
        }
        buf_free(&meta);
    }
    if (rc != 0 && error && error_size) snprintf(error, error_size, "%s", w->error);
    bf_pq_free(w);
    return rc;
}
