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
# The query: SELECT series_id, ts / 86400000, count(*) ... GROUP BY 1, 2 over every series, in
# the database's own client (sqlite3, psql), output discarded.
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
query() { # FROM_MS [TIMEFRAMES]: the bare aggregate query
  local tf=""
  [[ -n "${2:-}" ]] && tf="WHERE s.timeframe IN ($2)"
  echo "SELECT c.series_id, c.ts / 86400000, count(*) FROM series s JOIN candles c ON c.series_id = s.id AND c.ts >= $1 AND c.ts < $end_ms $tf GROUP BY 1, 2"
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
echo "| store, symbols, stage | backfill (median wall) | bare query (median wall) | ratio (median, min-max) |" | tee "$results"
echo "|---|---|---|---|" | tee -a "$results"
for backend in $backends; do
  for n in $sizes; do
    if [[ $backend == sqlite ]]; then
      db="sqlite:$work/u$n.sqlite"
      client() { echo "sqlite3 $work/u$n.sqlite \"$1\" >/dev/null"; }
      fresh() { cp "$work/u$n.sqlite" "$work/run.sqlite"; echo "sqlite:$work/run.sqlite"; }
    else
      schema="bench_matrix_$n"
      psql "$BACKFILL_TEST_POSTGRES_URL" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;" >/dev/null
      db="$BACKFILL_TEST_POSTGRES_URL?options=-csearch_path%3D$schema"
      client() { echo "psql '$db' -qAtc \"$1\" >/dev/null"; }
      fresh() { echo "$db"; }
    fi
    seeded=$($bin bench seed --symbols "$n" --end "$end" --database "$db")
    [[ $backend == postgres ]] && psql "$db" -qc "VACUUM ANALYZE" >/dev/null
    echo "$backend $n: $seeded" >>"$results.raw"
    sh -c "exec $bin matrix --database '$db' --end $end --days 365" >"$work/matrix.txt" || true
    bench "$backend, $n symbols, matrix" "exec $bin matrix --database '$db' --end $end --days 365 >/dev/null" "sh -c 'exec $(client "$(query "$year_start")")'"
    bench "$backend, $n symbols, gaps" "exec $bin gaps --database '$db' --end $end --days 365 >/dev/null" "sh -c 'exec $(client "$(query "$year_start")")'"
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
      sh -c "$(client "$(query "$quarter_start" "'5m','1h','1d'")")"
      base+=("$(python3 -c "print($(date +%s.%N) - $t0)")")
    done
    a=$(median "${stage[@]}") b=$(median "${base[@]}")
    printf '| %s, %s symbols, run stage 2 (5m,1h,1d x 90 days) | %s s | %s s | %s |\n' "$backend" "$n" "$a" "$b" \
      "$(python3 -c "print(f'{$a / $b:.2f}')")" | tee -a "$results"
  done
done
echo "(farm-bench's full tables: $results.raw)"
