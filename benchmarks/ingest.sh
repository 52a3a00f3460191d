#!/usr/bin/env bash
# End-to-end replay backfill benchmark (issue: `backfill run` performance).
#
#   benchmarks/ingest.sh [TILES] [RUNS]
#
# Builds a replay folder holding the real FTX BTC-PERP 1-minute series (45,031 contiguous bars)
# tiled TILES times end to end (default 112: 5,043,472 bars, about 9.6 years of minutes), then
# in each run: `backfill run` of the whole range into a fresh SQLite file (wall time and peak RSS
# from /usr/bin/time), and `backfill bench store` of the same number of candles into another fresh
# file (the store's raw bulk-ingest rate, same run). Prints medians and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
tiles="${1:-112}"
runs="${2:-3}"
shared="${BACKFILL_SHARED_DATA:-../shared/data/ohlcv}"
out="benchmarks/results"
mkdir -p "$out"
swift build -c release --product backfill >/dev/null
swift build -c release --product ReplayProvider >/dev/null
bin="$PWD/.build/release/backfill"
work="$(mktemp -d /tmp/backfill-ingest.XXXXXX)"
trap 'rm -rf "$work"' EXIT
[[ -x /usr/bin/time ]] || { echo "ingest.sh needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

range=$(python3 benchmarks/tile_btcperp.py "$shared/btcperp_1m_ftx.csv" "$work/replay/BTCPERP/1m.csv" "$tiles")
read -r start end total <<<"$range"
echo "replay file: $total candles, $(du -h "$work/replay/BTCPERP/1m.csv" | cut -f1)" >&2
results="$out/ingest-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
for i in $(seq 1 "$runs"); do
  rm -f "$work"/*.sqlite* "$work"/*.json
  $bin symbols add BTCPERP --asset-class crypto --database "sqlite:$work/run.sqlite" >/dev/null
  /usr/bin/time -f '%e %M' -o "$work/time.txt" \
    $bin run --database "sqlite:$work/run.sqlite" --replay-dir "$work/replay" --symbols BTCPERP --timeframes 1m \
      --start "$start" --end "$end" --page-size 50000 --retries 0 --results "$work/r.json" >"$work/run.log"
  read -r seconds rss_kb <"$work/time.txt"
  stored=$(sqlite3 "$work/run.sqlite" "SELECT count(*) FROM candles")
  echo "{\"run\":$i,\"kind\":\"run\",\"seconds\":$seconds,\"peak_rss_mb\":$((rss_kb / 1024)),\"stored\":$stored}" >>"$results"
  $bin bench store --database "sqlite:$work/raw.sqlite" --candles "$total" --json \
    | sed 's/^/{"run":'"$i"',"kind":"raw",/; s/,{/,/' >>"$results"
done

python3 - "$results" "$total" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
run = statistics.median(r["seconds"] for r in rows if r["kind"] == "run")
rss = statistics.median(r["peak_rss_mb"] for r in rows if r["kind"] == "run")
raw = statistics.median(r["insert_seconds"] for r in rows if r["kind"] == "raw")
assert all(r["stored"] == n for r in rows if r["kind"] == "run"), "a run did not store every candle"
print(f"{n:,} one-minute candles, median of {max(r['run'] for r in rows)} runs ({sys.argv[1]})")
print("| measure | time | candles/s |")
print("|---|---|---|")
print(f"| `backfill run` end to end (replay → validate → SQLite, gap detection included) | {run:.1f} s | {n/run:,.0f} |")
print(f"| store raw bulk ingest (`backfill bench store`, new rows) | {raw:.1f} s | {n/raw:,.0f} |")
print(f"| ratio end-to-end / raw | | **{raw/run:.2f}** |")
print(f"| peak RSS of `backfill run` | {rss} MB | |")
PY
