#!/usr/bin/env bash
# Feature-kernel benchmark against the peers a user could pick, on the same data, in the same run.
#
#   benchmarks/kernels.sh [CANDLES] [RUNS]
#
# Makes a Python venv (benchmarks/.venv, ignored by git) with pinned ta-lib, tulipy, pandas,
# polars, numpy and bottleneck; writes one seeded random walk as raw float64 columns; times
# `backfill bench kernels --input` on it, then the nine features with TA-Lib (its nine calls),
# tulipy (tulipindicators' nine), pandas and polars (the same definitions in their idioms: Wilder
# averages as ewm(alpha = 1/14, adjust = False), the slope as rolling cov(t, c) / var(t)), and
# bottleneck's move_std/move_mean (the 3 it has), all single-threaded (POLARS_MAX_THREADS=1),
# and prints medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
candles="${1:-10000000}"
runs="${2:-5}"
venv=benchmarks/.venv
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q ta-lib==0.8.2 tulipy==0.4.0 pandas==3.1.1 polars==2.1.0 numpy==2.4.6 bottleneck==1.6.0
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
import json, os, statistics, sys, time
os.environ["POLARS_MAX_THREADS"] = "1"  # single thread, like the others
import numpy as np, talib, bottleneck as bn, tulipy as ti, pandas as pd, polars as pl
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
def tulipy_nine():
    ti.roc(c, 1); lr = np.log(ti.rocr(c, 1)); ti.stddev(lr, 20); ti.atr(h, l, c, 14); ti.natr(h, l, c, 14)
    ti.sma(c, 20); ti.ema(c, 20); ti.rsi(c, 14); ti.linregslope(c, 20)
def pandas_nine():
    C, H, L = pd.Series(c), pd.Series(h), pd.Series(l)
    prev = C.shift(1)
    ret = (C - prev) / prev; lr = np.log(C / prev); vol = lr.rolling(20).std(ddof=0)
    tr = pd.concat([H - L, (H - prev).abs(), (L - prev).abs()], axis=1).max(axis=1)
    atr = tr.ewm(alpha=1 / 14, adjust=False).mean(); natr = atr / C * 100
    sma = C.rolling(20).mean(); ema = C.ewm(span=20, adjust=False).mean()
    d = C.diff(); ag = d.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean()
    al = (-d).clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean(); rsi = 100 * ag / (ag + al)
    t = pd.Series(np.arange(n, dtype=float)); slope = C.rolling(20).cov(t) / t.rolling(20).var()
def polars_nine():
    df = pl.DataFrame({"h": h, "l": l, "c": c})
    cc, prev = pl.col("c"), pl.col("c").shift(1)
    t = pl.int_range(0, pl.len()).cast(pl.Float64)
    lr = (cc / prev).log(); d = cc.diff()
    tr = pl.max_horizontal(pl.col("h") - pl.col("l"), (pl.col("h") - prev).abs(), (pl.col("l") - prev).abs())
    atr = tr.ewm_mean(alpha=1 / 14, adjust=False)
    ag = d.clip(lower_bound=0).ewm_mean(alpha=1 / 14, adjust=False)
    al = (-d).clip(lower_bound=0).ewm_mean(alpha=1 / 14, adjust=False)
    df.select(ret=(cc - prev) / prev, logret=lr, vol=lr.rolling_std(20, ddof=0), atr=atr, natr=atr / cc * 100,
              sma=cc.rolling_mean(20), ema=cc.ewm_mean(span=20, adjust=False), rsi=100 * ag / (ag + al),
              slope=pl.rolling_cov(t, cc, window_size=20) / t.rolling_var(20))
def bottleneck_part():
    lr = np.log(c[1:] / c[:-1]); bn.move_std(lr, 20); bn.move_mean(c, 20)
t_talib = median_time(talib_nine)
t_ti = median_time(tulipy_nine)
t_pd = median_time(pandas_nine)
t_pl = median_time(polars_nine)
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
for name, t in (("tulipy 0.4.0 (tulipindicators)", t_ti), ("pandas 3.1.1", t_pd), ("polars 2.1.0, one thread", t_pl)):
    print(f"| {name} | the nine features | {n / t:,.0f} | {t_talib / t:.2f}x | {n / t / triv * 100:.0f}% |")
print(f"| numpy + bottleneck 1.6 | log returns, move_std, move_mean only | {n / t_bn:,.0f} | {t_talib / t_bn:.2f}x | |")
PY
