#!/usr/bin/env bash
# `backfill run` over a universe of symbols (issue 13): 1,000 and 10,000 crypto symbols x 1h over
# 30 days from the replay provider into SQLite, once with the per-pair console lines and once
# --quiet. Reports each stage's wall seconds (from the JSON log of a third run), the console's
# lines and bytes, and the results document's size, so linearity reads off the table.
#
#   benchmarks/universe.sh [SIZES] [DAYS]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-1000 10000}"
days="${2:-30}"
swift build -c release --product backfill >/dev/null
swift build -c release --product ReplayProvider >/dev/null
bin="$PWD/.build/release/backfill"
work="$(mktemp -d /tmp/backfill-universe.XXXXXX)"
trap 'rm -rf "$work"' EXIT
end=2025-01-01
echo "| symbols | candles | run (text) | plan+fetch | gaps | refill | finish | console lines / bytes | --quiet lines | results JSON |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  rm -rf "$work/replay" "$work"/*.sqlite* "$work"/*.json
  python3 - "$work/replay" "$n" "$days" "$end" <<'PY'
import os, sys, datetime
root, n, days, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
stop = int(datetime.datetime.fromisoformat(end).replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
start = stop - days * 86400000
for i in range(n):
    d = os.path.join(root, f"U{i:05d}")
    os.makedirs(d)
    with open(os.path.join(d, "1h.csv"), "w") as f:
        f.write("ts,open,high,low,close,volume\n")
        p = 100.0 + i % 50
        for k, t in enumerate(range(start, stop, 3600000)):
            o = p + (k % 7) * 0.1
            f.write(f"{t},{o:.2f},{o + 0.5:.2f},{o - 0.5:.2f},{o + 0.1:.2f},{1000 + k % 13}\n")
PY
  start=$(date -ud "$end - $days days" +%Y-%m-%d)
  common=(--provider replay --replay-dir "$work/replay" --timeframes 1h --start "$start" --end "$end" --settle-hours 0)
  symbols=$(ls "$work/replay" | tr '\n' ' ')
  for db in text quiet json; do
    # shellcheck disable=SC2086
    $bin symbols add $symbols --asset-class crypto --database "sqlite:$work/$db.sqlite" >/dev/null
  done
  t0=$(date +%s.%N)
  $bin run "${common[@]}" --database "sqlite:$work/text.sqlite" --results "$work/text.json" >"$work/text.out" 2>&1 || true
  t1=$(date +%s.%N)
  $bin run "${common[@]}" --database "sqlite:$work/quiet.sqlite" --results "$work/quiet.json" --quiet >"$work/quiet.out" 2>&1 || true
  $bin run "${common[@]}" --database "sqlite:$work/json.sqlite" --results "$work/json.json" --log-format json >/dev/null 2>"$work/run.log" || true
  python3 - "$n" "$work" "$t0" "$t1" <<'PY'
import json, os, sys
from datetime import datetime
n, work, t0, t1 = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
marks = {}
first = last = None
for line in open(os.path.join(work, "run.log")):
    e = json.loads(line)
    t = datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
    first = t if first is None else first
    last = t
    if e["event"] in ("stage_started", "stage_finished"):
        marks[(e["stage"], e["event"])] = t
def span(stage): return marks[(stage, "stage_finished")] - marks[(stage, "stage_started")]
doc = json.load(open(os.path.join(work, "json.json")))
candles = doc["summary"].get("candles_inserted", 0)
text = open(os.path.join(work, "text.out"), "rb").read()
quiet = open(os.path.join(work, "quiet.out"), "rb").read()
lines, quiet_lines = text.count(b"\n"), quiet.count(b"\n")
print(f"| {n:,} | {candles:,} | {t1 - t0:.1f} s | {marks[('fetch', 'stage_finished')] - first:.1f} s | {span('gaps'):.1f} s | "
      f"{span('refill'):.1f} s | {last - marks[('refill', 'stage_finished')]:.1f} s | {lines:,} / {len(text):,} | "
      f"{quiet_lines} | {os.path.getsize(os.path.join(work, 'json.json')):,} bytes |")
PY
done
