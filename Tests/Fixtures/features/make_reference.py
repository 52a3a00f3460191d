#!/usr/bin/env python3
"""Reference vectors for the feature kernels, computed with TA-Lib.

    python3 -m venv /tmp/talib && /tmp/talib/bin/pip install ta-lib==0.8.2 numpy
    /tmp/talib/bin/python Tests/Fixtures/features/make_reference.py

Inputs are real series from the project's fixtures (provenance in Tests/Fixtures/SOURCE.md and
shared/data/ohlcv/SOURCE.md). Each output CSV has the input columns, then the nine features as
TA-Lib computes them (ta-lib 0.8.2, bundled C library 0.8.1, default settings), printed with
repr() so every double round-trips exactly; an empty field is TA-Lib's NaN.

    ret_1    = ROCP(close, 1)
    logret_1 = LN(ROCR(close, 1))
    vol_20   = STDDEV(logret_1, 20, nbdev=1)
    atr_14   = ATR(high, low, close, 14)
    natr_14  = NATR(high, low, close, 14)
    sma_20   = SMA(close, 20)
    ema_20   = EMA(close, 20)
    rsi_14   = RSI(close, 14)
    slope_20 = LINEARREG_SLOPE(close, 20)
"""
import math
import os

import numpy as np
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
SHARED = os.environ.get("BACKFILL_SHARED_DATA", os.path.join(FIXTURES, "..", "..", "..", "shared", "data", "ohlcv"))

SERIES = {
    "spy_1d": (os.path.join(FIXTURES, "replay", "SPY", "1d.csv"), None),
    "nvda_1d": (os.path.join(SHARED, "nvda_1d_backtrader.csv"), None),
    "btcperp_1m": (os.path.join(FIXTURES, "replay", "BTCPERP", "1m.csv"), 10_000),
}


def fmt(x):
    return "" if math.isnan(x) else repr(float(x))


for name, (path, limit) in SERIES.items():
    lines = open(path).read().splitlines()
    header, rows = lines[0].split(","), [l.split(",") for l in lines[1:]]
    if limit:
        rows = rows[:limit]
    col = {h: i for i, h in enumerate(header)}
    ts = [r[col["ts"]] for r in rows]
    o, h, l, c = (np.array([float(r[col[k]]) for r in rows]) for k in ("open", "high", "low", "close"))
    logret = talib.LN(talib.ROCR(c, 1))
    features = [
        talib.ROCP(c, 1), logret, talib.STDDEV(logret, 20, 1), talib.ATR(h, l, c, 14), talib.NATR(h, l, c, 14),
        talib.SMA(c, 20), talib.EMA(c, 20), talib.RSI(c, 14), talib.LINEARREG_SLOPE(c, 20),
    ]
    out = os.path.join(HERE, name + ".csv")
    with open(out, "w") as f:
        f.write("ts,open,high,low,close,ret_1,logret_1,vol_20,atr_14,natr_14,sma_20,ema_20,rsi_14,slope_20\n")
        for i in range(len(rows)):
            inputs = [rows[i][col[k]] for k in ("open", "high", "low", "close")]
            f.write(",".join([ts[i]] + inputs + [fmt(v[i]) for v in features]) + "\n")
    print(out, len(rows))
