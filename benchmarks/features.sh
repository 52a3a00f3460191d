#!/usr/bin/env bash
# `backfill features` on a long stored 1-minute series (the real FTX BTC-PERP series tiled),
# against the store's raw write of the same feature rows and against the Python pipeline a user
# would write (pandas read_sql, TA-Lib's nine calls, executemany into the same features table),
# on SQLite and PostgreSQL, with peak RSS; then a nightly incremental run (one more day of bars);
# then the Parquet export of the candles against the CSV export of the same rows.
#
#   benchmarks/features.sh [TILES] [RUNS]                      # SQLite
#   .ci/with-postgres benchmarks/features.sh [TILES] [RUNS]    # SQLite and PostgreSQL
#
# TILES (default 222: 9,996,882 bars) copies of the series; RUNS (default 3) runs of each
# measure, interleaved (features, raw write, Python, features, ...), each on an empty features
# table (emptied untimed between runs); medians and the per-run ratios' median. PYTHON_RUNS
# (default 1, 0 for none) runs of the Python pipeline (about 4 minutes and 5.5 GB each at 10 M
# rows on SQLite). BACKENDS=sqlite or postgres: one of them.
# Wall seconds and peak RSS from /usr/bin/time; the raw write's seconds are its own (the
# stamps it reads first are not timed). The PostgreSQL of .ci/with-postgres runs with fsync off.
set -euo pipefail
cd "$(dirname "$0")/.."
tiles="${1:-222}"
runs="${2:-3}"
python_runs="${PYTHON_RUNS:-1}"
venv=benchmarks/.venv-features
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check ta-lib==0.8.2 pandas==3.1.1 numpy==2.4.6 "psycopg[binary]==3.3.9"
swift build -c release --product backfill >/dev/null
swift build -c release --product ReplayProvider >/dev/null
bin="$PWD/.build/release/backfill"
work="$(mktemp -d /tmp/backfill-features.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p benchmarks/results
results="benchmarks/results/features-$(date -u +%Y%m%dT%H%M%SZ).txt"
read -r first end count < <(python3 benchmarks/tile_btcperp.py ../shared/data/ohlcv/btcperp_1m_ftx.csv "$work/replay/BTCPERP/1m.csv" "$tiles")
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(nproc) cores; $count bars; kernels: $("$bin" bench kernels --candles 1000 --runs 1 | head -1 | sed 's/.*active path: //')" | tee "$results"

median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }
# timed OUT CMD...: runs CMD, appends "wall_seconds peak_kib" to OUT.
timed() { local out="$1"; shift; /usr/bin/time -f "%e %M" -a -o "$out" "$@" >/dev/null; }

backends="sqlite"
[[ -n "${BACKFILL_TEST_POSTGRES_URL:-}" ]] && backends="sqlite postgres"
backends="${BACKENDS:-$backends}"  # BACKENDS=postgres: one of them
for backend in $backends; do
  if [[ $backend == sqlite ]]; then
    db="sqlite:$work/bench.sqlite"
    sql() { sqlite3 "$work/bench.sqlite" "$1"; }
  else
    db="$BACKFILL_TEST_POSTGRES_URL"
    sql() { psql "$db" -qAtc "$1"; }
  fi
  "$bin" symbols add BTCPERP --asset-class crypto --database "$db" >/dev/null
  "$bin" run --database "$db" --replay-dir "$work/replay" --symbols BTCPERP --timeframes 1m \
    --start "$first" --end "$end" --quiet --results "$work/r.json" >/dev/null || true
  series=$(sql "SELECT id FROM series WHERE symbol = 'BTCPERP' AND timeframe = '1m'")
  reset() { sql "DELETE FROM features WHERE series_id = $series; DELETE FROM feature_checkpoints WHERE series_id = $series" >/dev/null
            [[ $backend == postgres ]] && sql "VACUUM features" >/dev/null; return 0; }
  rm -f "$work"/{job,raw,rawproc,py}.t "$work/raw.out"
  for r in $(seq "$runs"); do
    reset; timed "$work/job.t" "$bin" features --symbols BTCPERP --timeframes 1m --database "$db" --quiet
    reset; /usr/bin/time -f "%e %M" -a -o "$work/rawproc.t" "$bin" bench feature-write --symbol BTCPERP --database "$db" >>"$work/raw.out"
    if (( r <= python_runs )); then
      reset; timed "$work/py.t" "$venv/bin/python" benchmarks/features_pipeline.py "$backend" "${db#sqlite:}" "$series"
    fi
  done
  job=($(cut -d' ' -f1 "$work/job.t")) raw=($(sed 's/.* in \([0-9.]*\) s.*/\1/' "$work/raw.out"))
  touch "$work/py.t"
  py=($(cut -d' ' -f1 "$work/py.t"))
  jobrss=$(median $(cut -d' ' -f2 "$work/job.t")) rawrss=$(median $(cut -d' ' -f2 "$work/rawproc.t"))
  ratios=(); for i in "${!raw[@]}"; do ratios+=("$(python3 -c "print(${raw[$i]} / ${job[$i]})")"); done
  pyratios=(); for i in "${!py[@]}"; do pyratios+=("$(python3 -c "print(${py[$i]} / ${job[$i]})")"); done
  {
    echo "$backend: backfill features ${job[*]} s (median $(median "${job[@]}") s, $(python3 -c "print(round($count / $(median "${job[@]}")))") rows/s, peak RSS $((${jobrss%.*} / 1024)) MiB)"
    echo "$backend: raw feature write ${raw[*]} s (median $(median "${raw[@]}") s, process peak RSS $((${rawrss%.*} / 1024)) MiB); features / raw write speed: median $(median "${ratios[@]}") (runs: ${ratios[*]})"
    if (( ${#py[@]} > 0 )); then
      pyrss=$(median $(cut -d' ' -f2 "$work/py.t"))
      echo "$backend: pandas + TA-Lib + executemany ${py[*]} s (median $(median "${py[@]}") s, peak RSS $((${pyrss%.*} / 1024)) MiB); backfill is median $(median "${pyratios[@]}")x faster (runs: ${pyratios[*]})"
    fi
  } | tee -a "$results"
  # Nightly: the series computed (untimed), one more day of bars, then features again, which
  # resumes after the last computed bar (each run first removes what the previous one added).
  reset; "$bin" features --symbols BTCPERP --timeframes 1m --database "$db" --quiet >/dev/null
  "$bin" bench series --symbol BTCPERP --candles 1440 --start "$end" --database "$db" >/dev/null
  rm -f "$work/inc.t"
  for r in $(seq "$runs"); do
    sql "DELETE FROM features WHERE series_id = $series AND ts >= $end; DELETE FROM feature_checkpoints WHERE series_id = $series AND ts >= $end" >/dev/null
    timed "$work/inc.t" "$bin" features --symbols BTCPERP --timeframes 1m --database "$db" --quiet
  done
  inc=($(cut -d' ' -f1 "$work/inc.t"))
  echo "$backend: nightly features after 1,440 new bars: ${inc[*]} s (median $(median "${inc[@]}") s)" | tee -a "$results"
  if [[ $backend == sqlite ]]; then
    rm -f "$work"/{csv,pq}.t
    for r in $(seq "$runs"); do
      timed "$work/csv.t" "$bin" export candles --symbol BTCPERP --timeframe 1m --database "$db" --output "$work/c.csv"
      timed "$work/pq.t" "$bin" export candles --symbol BTCPERP --timeframe 1m --database "$db" --format parquet --output "$work/c.parquet"
    done
    csv=($(cut -d' ' -f1 "$work/csv.t")) pq=($(cut -d' ' -f1 "$work/pq.t"))
    pr=(); for i in "${!pq[@]}"; do pr+=("$(python3 -c "print(${csv[$i]} / ${pq[$i]})")"); done
    echo "sqlite: export CSV ${csv[*]} s ($(stat -c %s "$work/c.csv") bytes), Parquet ${pq[*]} s ($(stat -c %s "$work/c.parquet") bytes, peak RSS $(( $(median $(cut -d' ' -f2 "$work/pq.t") | cut -d. -f1) / 1024 )) MiB); Parquet rows/s over CSV's: median $(median "${pr[@]}") (runs: ${pr[*]})" | tee -a "$results"
  fi
done
