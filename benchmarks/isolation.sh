#!/usr/bin/env bash
# What process isolation costs (docs/performance.md, "Providers in a child process").
#
#   benchmarks/isolation.sh [TILES] [ROUNDS]
#
# 1. Page rate: `backfill bench provider` streaming the real FTX BTC-PERP 1-minute series, tiled
#    TILES times (default 40: 1,801,240 candles), in 50,000-row pages from the replay provider,
#    through the child-process boundary (shared-memory pages) and with --isolation none, the two
#    alternated ROUNDS times (default 7) so a slow spell of the machine weighs on both.
# 2. Start-up: `backfill fetch` of one minute (the plugin scan and one instance: two child starts
#    with isolation, none without), 21 runs of each, alternated; the difference of the medians
#    is what isolation adds to a command.
set -euo pipefail
cd "$(dirname "$0")/.."
tiles="${1:-40}"
rounds="${2:-7}"
shared="${BACKFILL_SHARED_DATA:-../shared/data/ohlcv}"
swift build -c release --product backfill >/dev/null
swift build -c release --product ReplayProvider >/dev/null
bin="$PWD/.build/release/backfill"
work="$(mktemp -d /tmp/backfill-isolation.XXXXXX)"
trap 'rm -rf "$work"' EXIT

range=$(python3 benchmarks/tile_btcperp.py "$shared/btcperp_1m_ftx.csv" "$work/replay/BTCPERP/1m.csv" "$tiles")
read -r start end total <<<"$range"

python3 - "$bin" "$work/replay" "$start" "$end" "$total" "$rounds" <<'PY'
import re, statistics, subprocess, sys, time
bin, replay, start, end, total, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
common = ["--replay-dir", replay, "--symbol", "BTCPERP", "--timeframe", "1m", "--asset-class", "crypto"]

def rate(isolation, extra=[]):
    out = subprocess.run([bin, "bench", "provider", *common, "--start", start, "--end", end, "--page-size", "50000",
                          "--runs", "5", "--isolation", isolation, *extra], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"= ([\d,]+) candles/s", out).group(1).replace(",", ""))

process, limited, none = [], [], []
for _ in range(rounds):
    process.append(rate("process"))
    limited.append(rate("process", ["--provider-memory-limit", "4096"]))
    none.append(rate("none"))
print(f"page rate, {total:,} candles in 50,000-row pages, {rounds} rounds (median of 5 passes each):")
for name, rates in [("--isolation process", process), ("  with --provider-memory-limit 4096", limited), ("--isolation none", none)]:
    print(f"  {name:36} median {statistics.median(rates):,.0f} candles/s (min {min(rates):,}, max {max(rates):,})")
for name, rates in [("process / none", process), ("process, 4096 MiB limit / none", limited)]:
    ratios = [p / n for p, n in zip(rates, none)]
    print(f"  ratio {name:30} median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")

minute = str(int(start) + 60_000)
def seconds(isolation):
    t0 = time.perf_counter()
    subprocess.run([bin, "fetch", *common, "--start", start, "--end", minute, "--isolation", isolation],
                   capture_output=True, check=True)
    return time.perf_counter() - t0
a, b = [], []
for _ in range(21):
    a.append(seconds("process"))
    b.append(seconds("none"))
print("start-up, `backfill fetch` of one minute, 21 runs each:")
print(f"  --isolation process: median {statistics.median(a) * 1000:.1f} ms; --isolation none: median {statistics.median(b) * 1000:.1f} ms")
print(f"  isolation adds {(statistics.median(a) - statistics.median(b)) * 1000:.1f} ms (the plugin scan's child and the instance's)")
PY
