#!/usr/bin/env bash
# Store bulk-ingest benchmark (issue: storage performance), with same-run baselines.
#
#   benchmarks/store.sh [CANDLES] [RUNS]                      # SQLite only
#   .ci/with-postgres benchmarks/store.sh [CANDLES] [RUNS]    # SQLite and PostgreSQL
#
# Each run writes CANDLES synthetic 1m candles through `backfill bench store` (new rows, then the
# same rows conflicting), and times the database's own CSV loader on the same rows into an
# identical empty table: `sqlite3 .import` and `psql \copy`. Prints the medians and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
candles="${1:-1000000}"
runs="${2:-3}"
out="benchmarks/results"
mkdir -p "$out"
swift build -c release --product backfill >/dev/null
bin=.build/release/backfill
work="$(mktemp -d /tmp/backfill-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
table='CREATE TABLE candles (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL, vwap REAL, trades INTEGER, PRIMARY KEY (series_id, ts))'
now() { python3 -c 'import time; print(time.perf_counter())'; }

results="$out/store-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
for i in $(seq 1 "$runs"); do
  rm -f "$work"/*.sqlite*
  $bin bench store --database "sqlite:$work/b.sqlite" --candles "$candles" --csv-out "$work/rows.csv" --json \
    | sed 's/^/{"run":'"$i"',"kind":"backfill",/; s/,{/,/' >>"$results"
  sqlite3 "$work/import.sqlite" "PRAGMA journal_mode=WAL; $table WITHOUT ROWID;" >/dev/null
  t0=$(now); sqlite3 "$work/import.sqlite" ".mode csv" ".import $work/rows.csv candles"; t1=$(now)
  echo "{\"run\":$i,\"kind\":\"sqlite3_import\",\"seconds\":$(python3 -c "print($t1-$t0)")}" >>"$results"
  if [[ -n "${BACKFILL_TEST_POSTGRES_URL:-}" ]]; then
    psql "$BACKFILL_TEST_POSTGRES_URL" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench;" >/dev/null
    url="$BACKFILL_TEST_POSTGRES_URL?options=-csearch_path%3Dbench"
    $bin bench store --database "$url" --candles "$candles" --json \
      | sed 's/^/{"run":'"$i"',"kind":"backfill",/; s/,{/,/' >>"$results"
    psql "$url" -qc "CREATE TABLE copy_target (LIKE candles INCLUDING ALL)" >/dev/null
    t0=$(now); psql "$url" -qc "\\copy copy_target FROM '$work/rows.csv' CSV"; t1=$(now)
    echo "{\"run\":$i,\"kind\":\"psql_copy\",\"seconds\":$(python3 -c "print($t1-$t0)")}" >>"$results"
  fi
done

python3 - "$results" "$candles" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
def med(kind, field, backend=None):
    v = [r[field] for r in rows if r["kind"] == kind and (backend is None or r.get("backend") == backend)]
    return statistics.median(v) if v else None
print(f"{n:,} candles, median of {max(r['run'] for r in rows)} runs ({sys.argv[1]})")
print("| backend | backfill new rows | backfill conflicting rows | database's own CSV loader | ratio (new rows) | peak RSS |")
print("|---|---|---|---|---|---|")
for backend, base in (("sqlite", "sqlite3_import"), ("postgres", "psql_copy")):
    ins = med("backfill", "insert_seconds", backend)
    if ins is None: continue
    upd = med("backfill", "update_seconds", backend)
    b = med(base, "seconds")
    rss = med("backfill", "peak_rss_mb", backend)
    loader = "`sqlite3 .import`" if backend == "sqlite" else "`psql \\copy`"
    print(f"| {backend} | {ins:.2f} s ({n/ins:,.0f}/s) | {upd:.2f} s ({n/upd:,.0f}/s) | {loader} {b:.2f} s ({n/b:,.0f}/s) | {b/ins:.2f} | {rss:.0f} MB |")
PY
