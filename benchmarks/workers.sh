#!/usr/bin/env bash
# Distributed fetching (issue 13): 1, 2, 4 and 8 `backfill worker`s and one `run --distributed`
# against the local Polygon stand-in answering each request after 100 ms and allowing at most
# LIMIT requests in any second (429 beyond). The workers share a budget of 0.9 x LIMIT requests/s
# through PostgreSQL. Throughput should rise with workers until it meets the budget, then stay
# flat, with zero 429s.
#
#   .ci/with-postgres benchmarks/workers.sh [LIMIT] [SYMBOLS]
#
# Prints a table (workers, wall seconds of the run, requests, requests/s over the requests' span,
# 429s) and writes an SVG plot of requests/s against workers to benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
limit="${1:-20}"
symbols="${2:-16}"
[[ -n "${BACKFILL_TEST_POSTGRES_URL:-}" ]] || { echo "run under .ci/with-postgres" >&2; exit 2; }
swift build -c release --product backfill >/dev/null
swift build -c release --product PolygonProvider >/dev/null
bin="$PWD/.build/release/backfill"
work="$(mktemp -d /tmp/backfill-workers.XXXXXX)"
server=""
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [[ -n "$server" ]] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p benchmarks/results
key=pk-bench-0000
rate=$(python3 -c "print($limit * 0.9)")
cat >"$work/scenario.json" <<JSON
{"key": "$key", "rate_limit": {"requests": $limit, "seconds": 1.0},
 "rules": [{"match": "/range/1/minute/", "hang": 0.1, "generate": {"page": 60, "step_ms": 60000}}]}
JSON
# The server stops when its stdin closes (and after 10 minutes): keep a pipe open to it.
sleep 3600 | python3 Tests/Fixtures/polygon/server.py --scenario "$work/scenario.json" --log "$work/requests.jsonl" >"$work/port" &
server=$!
for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
read -r port <"$work/port"
names=$(python3 -c "print(' '.join(f'S{i:03d}USD' for i in range($symbols)))")
out="benchmarks/results/workers-$(date -u +%Y%m%dT%H%M%SZ)"
echo "| workers | run wall | requests | requests/s | 429s |" | tee "$out.md"
echo "|---|---|---|---|---|" | tee -a "$out.md"
: >"$out.tsv"
for n in 1 2 4 8; do
  schema="bench_workers_$n"
  psql "$BACKFILL_TEST_POSTGRES_URL" -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema;" >/dev/null
  db="$BACKFILL_TEST_POSTGRES_URL?options=-csearch_path%3D$schema"
  # shellcheck disable=SC2086
  $bin symbols add $names --asset-class crypto --database "$db" >/dev/null
  : >"$work/requests.jsonl"
  provider=(--provider polygon --provider-option "base_url=http://127.0.0.1:$port")
  pids=()
  for i in $(seq 1 "$n"); do
    POLYGON_API_KEY=$key $bin worker --database "$db" --name "w$i" --rate "$rate" --idle-exit 120 "${provider[@]}" 2>/dev/null &
    pids+=($!)
  done
  t0=$(date +%s.%N)
  POLYGON_API_KEY=$key $bin run --distributed --database "$db" "${provider[@]}" --timeframes 1m --start 2024-01-01 --end 2024-01-02 \
    --results "$work/r.json" --quiet >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  python3 - "$work/requests.jsonl" "$n" "$t0" "$t1" "$out" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
n, t0, t1, out = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
times = sorted(r["time"] for r in reqs)
limited = sum(1 for r in reqs if r.get("limited"))
rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0
line = f"| {n} | {t1 - t0:.1f} s | {len(times)} | {rate:.1f} | {limited} |"
print(line)
open(out + ".md", "a").write(line + "\n")
open(out + ".tsv", "a").write(f"{n}\t{rate:.3f}\t{limited}\n")
PY
done
python3 - "$out.tsv" "$out.svg" "$limit" "$rate" <<'PY'
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
limit, budget = float(sys.argv[3]), float(sys.argv[4])
W, H, L, B = 420, 260, 50, 40
xs = [1, 2, 4, 8]
def x(w): return L + (xs.index(w) + 0.5) * (W - L - 10) / len(xs)
top = limit * 1.15
def y(v): return H - B - v / top * (H - B - 20)
parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<line x1="{L}" y1="{H-B}" x2="{W-10}" y2="{H-B}" stroke="black"/><line x1="{L}" y1="20" x2="{L}" y2="{H-B}" stroke="black"/>',
         f'<line x1="{L}" y1="{y(limit):.1f}" x2="{W-10}" y2="{y(limit):.1f}" stroke="red" stroke-dasharray="4"/>',
         f'<text x="{W-12}" y="{y(limit)-4:.1f}" text-anchor="end" fill="red">server limit {limit:g}/s</text>',
         f'<line x1="{L}" y1="{y(budget):.1f}" x2="{W-10}" y2="{y(budget):.1f}" stroke="gray" stroke-dasharray="2"/>',
         f'<text x="{W-12}" y="{y(budget)+12:.1f}" text-anchor="end" fill="gray">workers\' budget {budget:g}/s</text>']
pts = []
for w, r, lim in rows:
    w, r = int(w), float(r)
    pts.append(f"{x(w):.1f},{y(r):.1f}")
    parts.append(f'<circle cx="{x(w):.1f}" cy="{y(r):.1f}" r="4" fill="steelblue"/>')
    parts.append(f'<text x="{x(w):.1f}" y="{y(r)-8:.1f}" text-anchor="middle">{r:.1f}</text>')
    parts.append(f'<text x="{x(w):.1f}" y="{H-B+16}" text-anchor="middle">{w}</text>')
parts.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="steelblue"/>')
parts.append(f'<text x="{(W+L)/2}" y="{H-6}" text-anchor="middle">workers</text>')
parts.append(f'<text x="14" y="{(H-B)/2}" transform="rotate(-90 14 {(H-B)/2})" text-anchor="middle">requests/s</text>')
parts.append("</svg>")
open(sys.argv[2], "w").write("\n".join(parts) + "\n")
PY
echo "(plot: $out.svg)"
