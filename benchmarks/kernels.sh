#!/usr/bin/env bash
# Feature-kernel benchmark against TA-Lib and bottleneck on the same data, in the same run.
#
#   benchmarks/kernels.sh [CANDLES] [RUNS]
#
# Makes a Python venv (benchmarks/.venv, ignored by git) with ta-lib 0.8.2, numpy and bottleneck,
# writes one seeded random walk as raw float64 columns, times `backfill bench kernels --input` on
# it, then TA-Lib's nine calls (the same nine features) and bottleneck's move_std/move_mean on the
# same arrays, and prints medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
candles="${1:-10000000}"
runs="${2:-5}"
venv=benchmarks/.venv
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q ta-lib==0.8.2 numpy bottleneck
fi
swift build -c release --product backfill >/dev/null
work="$(mktemp -d /tmp/backfill-kernels.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p benchmarks/results
"$venv/bin/python" - "$candles" "$work/data.f64" <<'PY'
import sys, numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(20261129)
c = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
o = np.concatenate(([100.0], c[:-1]))
h = np.maximum(o, c) * (1 + 0.002 * rng.random(n))
l = np.minimum(o, c) * (1 - 0.002 * rng.random(n))
v = 1000 + 1000 * rng.random(n)
np.concatenate([o, h, l, c, v]).astype("<f8").tofile(path)
PY
BACKFILL_KERNELS= .build/release/backfill bench kernels --input "$work/data.f64" --runs "$runs" --json >"$work/backfill.json"
"$venv/bin/python" - "$work/data.f64" "$runs" "$work/backfill.json" <<'PY'
import json, statistics, sys, time
import numpy as np, talib, bottleneck as bn
data = np.fromfile(sys.argv[1], dtype="<f8"); n = len(data) // 5
o, h, l, c, v = (data[i * n:(i + 1) * n] for i in range(5))
runs = int(sys.argv[2]); ours = json.load(open(sys.argv[3]))
def median_time(f):
    t = []
    for _ in range(runs):
        t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return statistics.median(t)
def talib_nine():
    talib.ROCP(c, 1); lr = talib.LN(talib.ROCR(c, 1)); talib.STDDEV(lr, 20, 1); talib.ATR(h, l, c, 14)
    talib.NATR(h, l, c, 14); talib.SMA(c, 20); talib.EMA(c, 20); talib.RSI(c, 14); talib.LINEARREG_SLOPE(c, 20)
def bottleneck_part():
    lr = np.log(c[1:] / c[:-1]); bn.move_std(lr, 20); bn.move_mean(c, 20)
t_talib = median_time(talib_nine)
t_bn = median_time(bottleneck_part)
res = {(r["measure"], r["path"]): r for r in ours["results"]}
print(f"{n:,} candles, median of {runs} runs, single thread; triad {ours['triad_gb_per_s']} GB/s")
print("| implementation | what | candles/s | vs TA-Lib | of trivial 5-in/9-out pass |")
print("|---|---|---:|---:|---:|")
triv = ours["trivial_pass_candles_per_second"]
print(f"| trivial fused pass | read 5 columns, write 9 | {triv:,.0f} | {triv * t_talib / n:.2f}x | 100% |")
for path in ("avx512", "avx2", "scalar"):
    r = res.get(("fused_v1", path))
    if r: print(f"| Backfill fused v1 ({path}) | the nine features | {r['candles_per_second']:,.0f} | {r['candles_per_second'] * t_talib / n:.2f}x | {r['fraction_of_trivial_pass'] * 100:.0f}% |")
print(f"| TA-Lib 0.8.2 (9 calls) | the nine features | {n / t_talib:,.0f} | 1.00x | {n / t_talib / triv * 100:.0f}% |")
print(f"| numpy + bottleneck 1.6 | log returns, move_std, move_mean only | {n / t_bn:,.0f} | {t_talib / t_bn:.2f}x | |")
PY
