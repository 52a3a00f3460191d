#!/usr/bin/env bash
# What reading candles over the API costs against reading them with the CLI, same store, same run.
#
#   benchmarks/api.sh [TILES] [RUNS]
#
# Stores the real FTX BTC-PERP 1-minute series tiled TILES times (default 23: 1,035,713 bars) in
# SQLite with `backfill run` (replay), starts `backfill serve` on loopback, then times with
# farm-bench, paired run by run:
#   A: every candle through GET /api/v1/series/BTCPERP/1m/candles?format=csv, paged 100,000 rows
#      a request (the largest page), each page appended to a file, as a client would;
#   B: `backfill export candles --symbol BTCPERP --timeframe 1m` into a file (the same CSV).
# Checks the two files are equal, and prints farm-bench's table (median wall seconds and A/B).
set -euo pipefail
cd "$(dirname "$0")/.."
tiles="${1:-23}"
runs="${2:-5}"
shared="${BACKFILL_SHARED_DATA:-../shared/data/ohlcv}"
swift build -c release --product backfill >/dev/null
swift build -c release --product ReplayProvider >/dev/null
bin="$PWD/.build/release/backfill"
work="$(mktemp -d /tmp/backfill-api.XXXXXX)"
server=""
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

range=$(python3 benchmarks/tile_btcperp.py "$shared/btcperp_1m_ftx.csv" "$work/replay/BTCPERP/1m.csv" "$tiles")
read -r start end total <<<"$range"
db="sqlite:$work/api.sqlite"
$bin symbols add BTCPERP --asset-class crypto --database "$db" >/dev/null
$bin run --database "$db" --replay-dir "$work/replay" --symbols BTCPERP --timeframes 1m --start "$start" --end "$end" \
  --page-size 50000 --retries 0 --results "$work/r.json" --quiet >/dev/null || true
key=$($bin keys create --name bench --scope read --database "$db" | grep -o 'bfk_[A-Za-z0-9_-]*' | head -1)
$bin serve --listen 127.0.0.1:0 --database "$db" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.out")

cat >"$work/client.sh" <<SH
#!/bin/sh
# Pages through every candle as CSV: next start = last ts + 1.
set -e
out=\$1; : >"\$out"; from=0
while :; do
  curl -sf -H "X-API-Key: $key" "$url/api/v1/series/BTCPERP/1m/candles?format=csv&limit=100000&start=\$from" >"\$out.page"
  rows=\$((\$(wc -l <"\$out.page") - 1))
  [ "\$rows" -gt 0 ] || break
  [ -s "\$out" ] && tail -n +2 "\$out.page" >>"\$out" || cat "\$out.page" >>"\$out"
  [ "\$rows" -lt 100000 ] && break
  from=\$((\$(tail -n 1 "\$out.page" | cut -d, -f1) + 1))
done
SH
chmod +x "$work/client.sh"
"$work/client.sh" "$work/api.csv"
$bin export candles --symbol BTCPERP --timeframe 1m --database "$db" >"$work/export.csv"
cmp -s "$work/api.csv" "$work/export.csv" || { echo "the API's pages differ from the export" >&2; exit 1; }
echo "$total candles; both files $(wc -c <"$work/export.csv") bytes, equal" >&2
farm-bench -n "$runs" --timeout 900 --vs "sh -c 'exec $bin export candles --symbol BTCPERP --timeframe 1m --database $db >$work/b.csv'" \
  -- "$work/client.sh" "$work/a.csv"
