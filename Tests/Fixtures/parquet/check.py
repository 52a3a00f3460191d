"""Reads a Parquet file `backfill export` wrote with pyarrow, polars and DuckDB and compares
every value with the CSV export of the same series (Tests/EndToEndTests/ParquetExportTests.swift).

    check.py candles|features FILE.parquet CSVDIR [--rows-per-group N]

CSVDIR holds SYMBOL/TIMEFRAME.csv for every series (`backfill export ... --output-dir`).
Doubles are compared bit for bit (the CSV prints the shortest form that reads back to the same
double); an empty CSV field is null for candles' vwap/trades and NaN for features. Every
reader's values go through Arrow arrays and are compared vectorized (so a 10 M-row file takes
seconds). Prints one line per reader; exit 1 on the first difference.
"""
import os
import sys

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FEATURES = ["ret_1", "logret_1", "vol_20", "atr_14", "natr_14", "sma_20", "ema_20", "rsi_14", "slope_20"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def expected_table(kind, csvdir):
    """The CSV exports as one table in the Parquet file's row order (the order of --symbols x
    --timeframes, which the file's own symbol/timeframe columns give)."""
    parts = []
    for sym in sorted(os.listdir(csvdir)):
        for name in sorted(os.listdir(os.path.join(csvdir, sym))):
            tf = name[: -len(".csv")]
            if kind == "candles":
                types = {"ts": pa.int64(), "open": pa.float64(), "high": pa.float64(), "low": pa.float64(),
                         "close": pa.float64(), "volume": pa.float64(), "vwap": pa.float64(), "trades": pa.int64()}
            else:
                types = {"ts": pa.int64(), **{f: pa.float64() for f in FEATURES}}
            t = pacsv.read_csv(os.path.join(csvdir, sym, name), convert_options=pacsv.ConvertOptions(column_types=types))
            if kind == "features":
                # an empty field is an undefined feature: NaN in Parquet
                t = pa.table({c: (pc.fill_null(t[c], float("nan")) if c in FEATURES else t[c]) for c in t.column_names})
            n = t.num_rows
            t = t.add_column(0, "timeframe", pa.array([tf] * n, pa.string()))
            t = t.add_column(0, "symbol", pa.array([sym] * n, pa.string()))
            parts.append(t)
    return parts


def events(path, csv_path):
    """An events export: the Parquet file's rows equal the CSV's, field for field."""
    import csv as csvmod
    want = list(csvmod.DictReader(open(csv_path)))
    readers = {
        "pyarrow": pq.read_table(path).to_pylist(),
        "polars": pl.read_parquet(path).to_dicts(),
        "duckdb": [dict(zip([d[0] for d in rel.description], r)) for rel in [duckdb.sql(f"SELECT * FROM read_parquet('{path}')")] for r in rel.fetchall()],
    }
    for name, rows in readers.items():
        if len(rows) != len(want):
            fail(f"{name}: {len(rows)} events, the CSV has {len(want)}")
        for i, (g, w) in enumerate(zip(rows, want)):
            for k, text in w.items():
                v = g[k]
                if v is None:
                    got = ""
                elif k in ("date", "pay_date", "record_date", "declaration_date"):
                    got = v.strftime("%Y-%m-%d")
                elif isinstance(v, float):
                    got = text if text and float(text) == v else repr(v)
                else:
                    got = str(v)
                if got != text:
                    fail(f"{name}: event {i} field {k}: {v!r}, the CSV has {text!r}")
        print(f"{name}: {len(rows)} events equal")


def main():
    kind, path, csvdir = sys.argv[1], sys.argv[2], sys.argv[3]
    if kind == "events":
        return events(path, csvdir)
    group_rows = int(sys.argv[sys.argv.index("--rows-per-group") + 1]) if "--rows-per-group" in sys.argv else None
    parts = expected_table(kind, csvdir)
    order = {}
    meta = pq.ParquetFile(path).metadata
    table = pq.read_table(path)
    # Row order in the file: series by series; put the CSVs in that order.
    syms, tfs = table["symbol"].to_pylist() if table.num_rows <= 2_000_000 else None, None
    keyed = {(p["symbol"][0].as_py(), p["timeframe"][0].as_py()): p for p in parts if p.num_rows > 0}
    if syms is not None:
        seen = []
        for s, t in zip(syms, table["timeframe"].to_pylist()):
            if not seen or seen[-1] != (s, t):
                seen.append((s, t))
        if sorted(seen) != sorted(keyed):
            fail(f"series in the file {seen}, in the CSVs {sorted(keyed)}")
        want = pa.concat_tables([keyed[k] for k in seen]) if seen else None
    else:
        want = pa.concat_tables(list(keyed.values()))
    n = want.num_rows if want is not None else 0

    # --- metadata
    if meta.num_rows != n:
        fail(f"metadata says {meta.num_rows} rows, the CSVs have {n}")
    if meta.format_version not in ("2.6", "2.4", "2.0"):
        fail(f"format version {meta.format_version}")
    if group_rows:
        if any(meta.row_group(g).num_rows > group_rows for g in range(meta.num_row_groups)):
            fail("a row group is larger than --row-group-rows")
        if meta.num_row_groups != (n + group_rows - 1) // group_rows:
            fail(f"{meta.num_row_groups} row groups for {n} rows of {group_rows}")
    schema = table.schema
    if schema.field("ts").type != pa.timestamp("ms", tz="UTC") or schema.field("symbol").type != pa.string():
        fail(f"schema: {schema}")
    ts_index = schema.get_field_index("ts")
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        for c in range(rg.num_columns):
            col = rg.column(c)
            if col.compression not in ("ZSTD", "UNCOMPRESSED"):
                fail(f"codec {col.compression}")
            st = col.statistics
            if st is None or st.null_count is None:
                fail(f"row group {g} column {col.path_in_schema}: no statistics")
        st = rg.column(ts_index).statistics
        start = sum(meta.row_group(k).num_rows for k in range(g))
        ts = want["ts"].slice(start, rg.num_rows)
        if st.min.timestamp() * 1000 != pc.min(ts).as_py() or st.max.timestamp() * 1000 != pc.max(ts).as_py():
            fail(f"row group {g}: ts statistics {st.min}..{st.max}")
    if kind == "candles":
        vw = pq.ParquetFile(path).metadata
        nulls = sum(vw.row_group(g).column(schema.get_field_index("vwap")).statistics.null_count for g in range(vw.num_row_groups))
        if nulls != (want["vwap"].null_count if n else 0):
            fail(f"vwap null_count {nulls}")

    columns = [c for c in want.column_names] if n else []

    # --- each reader: every value (doubles bit for bit, NaN equal to NaN, nulls where the CSV's are)
    compare_arrow("pyarrow", table, want, columns)
    print(f"pyarrow: {table.num_rows} rows equal")

    df = pl.read_parquet(path)
    if df.height != n:
        fail(f"polars: {df.height} rows")
    compare_arrow("polars", df.to_arrow(), want, columns)
    print(f"polars: {df.height} rows equal")

    con = duckdb.connect()
    count = con.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]
    if count != n:
        fail(f"duckdb: {count} rows")
    if n:
        compare_arrow("duckdb", con.sql(f"SELECT * FROM read_parquet('{path}')").arrow().read_all(), want, columns)
        if kind == "features":
            nans = con.sql(f"SELECT count(*) FROM read_parquet('{path}') WHERE isnan(vol_20)").fetchall()[0][0]
            if nans != int(pc.sum(pc.cast(pc.is_nan(want["vol_20"]), pa.int64())).as_py() or 0):
                fail(f"duckdb: {nans} rows WHERE isnan(vol_20)")
    print(f"duckdb: {count} rows equal")


def compare_arrow(label, got, want, columns):
    if want is None:
        return
    if got.num_rows != want.num_rows:
        fail(f"{label}: {got.num_rows} rows, the CSVs have {want.num_rows}")
    for c in columns:
        g, w = got[c], want[c]
        if c == "ts":
            if g.type != pa.timestamp("ms", tz="UTC") and not pa.types.is_timestamp(g.type):
                fail(f"{label}: ts is {g.type}")
            g = pc.cast(pc.cast(g, pa.timestamp("ms", tz="UTC")), pa.int64())
        if pa.types.is_floating(w.type):
            if not pa.types.is_floating(g.type):
                fail(f"{label}: column {c} is {g.type}")
            gb = pc.fill_null(g, 0.0).to_numpy().view("u8")
            wb = pc.fill_null(w, 0.0).to_numpy().view("u8")
            nan_g = pc.is_nan(pc.fill_null(g, 0.0)).to_numpy()
            nan_w = pc.is_nan(pc.fill_null(w, 0.0)).to_numpy()
            bad = ((gb != wb) & ~(nan_g & nan_w)) | (nan_g != nan_w)
            nulls_same = pc.all(pc.equal(pc.is_null(g), pc.is_null(w))).as_py()
            if bad.any() or not nulls_same:
                i = int(bad.argmax())
                fail(f"{label}: column {c} row {i}: {g[i]} vs the CSV's {w[i]}")
        else:
            if pa.types.is_string(w.type) or pa.types.is_large_string(w.type):
                g = pc.cast(g, pa.string())
            elif g.type != w.type:
                fail(f"{label}: column {c} is {g.type}, expected {w.type}")
            if not g.combine_chunks().equals(w.combine_chunks()):
                fail(f"{label}: column {c} differs")


main()
