#!/usr/bin/env bash
# Store-side stages (issue 13): `backfill matrix`, `backfill gaps` and stage 2 of `backfill run`
# against the bare aggregate query that reads per-day bar counts of the same series from the
# same store, same run, paired run by run.
#
#   benchmarks/matrix.sh [SIZES] [RUNS]                      # SQLite
#   .ci/with-postgres benchmarks/matrix.sh [SIZES] [RUNS]    # SQLite and PostgreSQL
#
# For each size N (default "200 2000 10000" symbols) `backfill bench seed` writes a universe:
# half crypto, half NYSE stocks, daily bars over 365 days, hourly over the last 90, 5-minute over
# the last 30 for every twentieth symbol, exact calendar bars with a few holes (a lost session,
# a failed week). Then, with farm-bench (median wall seconds of RUNS runs and the paired ratio):
#   matrix: `backfill matrix` (8 timeframes x 365 days) against the query
#   gaps:   `backfill gaps` (the same pairs, every gap as CSV) against the query
# and stage 2 of `backfill run --timeframes 5m,1h,1d` over the last 90 days (nothing to fetch:
# the seeded coverage says it was fetched; --retries 0), its gaps stage timed from the JSON log,
# against the query for those series and days, alternated in one loop.
# The query: for every stored series of the pairs, the per-day count of its bars along the
# primary key (SELECT ts / 86400000, count(*), min(ts), max(ts) ... GROUP BY 1, the count the
# detector reads), as one script in the database's own client (sqlite3, psql), output discarded.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-200 2000 10000}"
runs="${2:-5}"
swift build -c release --product backfill >/dev/null
swift build -c release --product ReplayProvider >/dev/null
bin="$PWD/.build/release/backfill"
work="$(mktemp -d /tmp/backfill-matrix.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/replay" benchmarks/results
results="benchmarks/results/matrix-$(date -u +%Y%m%dT%H%M%SZ).txt"
end=2025-01-01
ms() { echo $(($(date -ud "$1" +%s) * 1000)); }
year_start=$(ms "$end - 365 days")
quarter_start=$(ms "$end - 90 days")
end_ms=$(ms "$end")
query() { # FROM_MS [TIMEFRAMES]: writes the bare aggregate queries and a script running them; prints its path
  # One statement per stored series, the per-day count the store-side detector reads (intraday:
  # bars on the timeframe's grid; daily and weekly: every bar), along the primary key.
  local tag="${2:-all}"
  tag="${tag//[^a-z0-9]/}"
  local file="$work/query-$backend-$n-$1-$tag.sql"
  local list="SELECT id, timeframe FROM series"
  [[ -n "${2:-}" ]] && list="$list WHERE timeframe IN ($2)"
  if [[ $backend == sqlite ]]; then sqlite3 -separator ' ' "$work/u$n.sqlite" "$list"; else psql "$db" -qAt -F ' ' -c "$list"; fi |
    python3 -c '
import sys
ms = {"1m": 60000, "5m": 300000, "15m": 900000, "30m": 1800000, "1h": 3600000, "4h": 14400000, "1d": 1, "1w": 1}
a, b = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    sid, tf = line.split()
    print(f"SELECT ts / 86400000, count(*), min(ts), max(ts) FROM candles WHERE series_id = {sid} AND ts >= {a} AND ts < {b} AND ts % {ms[tf]} = 0 GROUP BY 1;")
' "$1" "$end_ms" >"$file"
  printf '#!/bin/sh\nexec %s\n' "$(client "$file")" >"$file.sh"
  chmod +x "$file.sh"
  echo "$file.sh"
}
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }
bench() { # LABEL COMMAND_A COMMAND_B: farm-bench, one summary line
  local out
  out=$(farm-bench -n "$runs" --timeout 3600 --vs "$3" -- sh -c "$2" 2>&1)
  echo "$out" >>"$results.raw"
  local a b r
  a=$(echo "$out" | awk '/^A wall s/ {print $5}')
  b=$(echo "$out" | awk '/^B wall s/ {print $5}')
  r=$(echo "$out" | awk '/^A\/B wall/ {print $4 " (" $3 "-" $5 ")"}')
  printf '| %s | %s s | %s s | %s |\n' "$1" "$a" "$b" "$r" | tee -a "$results"
}

backends="sqlite"
[[ -n "${BACKFILL_TEST_POSTGRES_URL:-}" ]] && backends="sqlite postgres"
backends="${BACKENDS:-$backends}"  # BACKENDS=postgres: one of them
echo "| store, symbols, stage | backfill (median wall) | bare query (median wall) | ratio (median, min-max) |" | tee "$results"
echo "|---|---|---|---|" | tee -a "$results"
for backend in $backends; do
  for n in $sizes; do
    if [[ $backend == sqlite ]]; then
      db="sqlite:$work/u$n.sqlite"
      client() { echo "sqlite3 $work/u$n.sqlite <$1 >/dev/null"; }
      fresh() { cp "$work/u$n.sqlite" "$work/run.sqlite"; echo "sqlite:$work/run.sqlite"; }
    else
      schema="bench_matrix_$n"
      psql "$BACKFILL_TEST_POSTGRES_URL" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;" >/dev/null
      db="$BACKFILL_TEST_POSTGRES_URL?options=-csearch_path%3D$schema"
      client() { echo "psql '$db' -qAt -f $1 >/dev/null"; }
      fresh() { echo "$db"; }
    fi
    seeded=$($bin bench seed --symbols "$n" --end "$end" --database "$db")
    [[ $backend == postgres ]] && psql "$db" -qc "VACUUM ANALYZE" >/dev/null
    echo "$backend $n: $seeded" >>"$results.raw"
    sh -c "exec $bin matrix --database '$db' --end $end --days 365" >"$work/matrix.txt" || true
    year_query=$(query "$year_start")
    bench "$backend, $n symbols, matrix" "exec $bin matrix --database '$db' --end $end --days 365 >/dev/null" "$year_query"
    bench "$backend, $n symbols, gaps" "exec $bin gaps --database '$db' --end $end --days 365 >/dev/null" "$year_query"
    quarter_query=$(query "$quarter_start" "'5m','1h','1d'")
    stage=() base=()
    for _ in $(seq 1 "$runs"); do
      url=$(fresh)
      $bin run --database "$url" --provider replay --replay-dir "$work/replay" --timeframes 5m,1h,1d --start "$quarter_start" \
        --end "$end_ms" --retries 0 --log-format json >"$work/run.log" 2>&1 || true
      stage+=("$(python3 - "$work/run.log" <<'PY'
import json, sys
from datetime import datetime
t = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("stage") == "gaps" and e["event"] in ("stage_started", "stage_finished"):
        t[e["event"]] = datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
print(f'{t["stage_finished"] - t["stage_started"]:.3f}')
PY
)")
      t0=$(date +%s.%N)
      "$quarter_query"
      base+=("$(python3 -c "print($(date +%s.%N) - $t0)")")
    done
    a=$(median "${stage[@]}") b=$(median "${base[@]}")
    printf '| %s, %s symbols, run stage 2 (5m,1h,1d x 90 days) | %s s | %s s | %s |\n' "$backend" "$n" "$a" "$b" \
      "$(python3 -c "print(f'{$a / $b:.2f}')")" | tee -a "$results"
  done
done
echo "(farm-bench's full tables: $results.raw)"
