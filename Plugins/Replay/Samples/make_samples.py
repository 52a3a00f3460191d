#!/usr/bin/env python3
"""Builds the bundled sample replay folder from the project's shared real data.

    python3 Plugins/Replay/Samples/make_samples.py ../shared/data/ohlcv

Rows are copied byte for byte from the shared files for the timeframes the sources have; the
other timeframes are aggregated from them (open = first open, high = max, low = min, close = last
close, volume = exact decimal sum), with bars starting at multiples of the timeframe from 00:00
UTC and weekly bars stamped on their Monday 00:00 UTC, as the replay provider declares.
"""
import calendar
import os
import sys
from decimal import Decimal

SRC = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/ohlcv"
OUT = os.path.dirname(os.path.abspath(__file__))
DAY = 86_400_000
TF = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000, "4h": 14_400_000, "1d": DAY}


def ms(y, m, d):
    return calendar.timegm((y, m, d, 0, 0, 0)) * 1000


def read(name, lo, hi):
    lines = open(os.path.join(SRC, name)).read().splitlines()
    assert lines[0] == "ts,open,high,low,close,volume", lines[0]
    return [l for l in lines[1:] if lo <= int(l.split(",")[0]) < hi]


def write(symbol, tf, lines):
    os.makedirs(os.path.join(OUT, symbol), exist_ok=True)
    with open(os.path.join(OUT, symbol, tf + ".csv"), "w") as f:
        f.write("ts,open,high,low,close,volume\n" + "".join(l + "\n" for l in lines))
    print(f"{symbol}/{tf}.csv: {len(lines)} rows")


def bucket(ts, tf):
    if tf == "1w":  # Monday 00:00 UTC (1970-01-05 was a Monday)
        days = ts // DAY
        return ((days - 4) // 7 * 7 + 4) * DAY
    return ts - ts % TF[tf]


def aggregate(lines, tf):
    out, cur = [], None
    for l in lines:
        ts, o, h, lo, c, v = l.split(",")
        b = bucket(int(ts), tf)
        if cur and cur[0] == b:
            cur[2] = max(cur[2], Decimal(h), key=Decimal)
            cur[3] = min(cur[3], Decimal(lo), key=Decimal)
            cur[4] = c
            cur[5] += Decimal(v)
        else:
            if cur:
                out.append(cur)
            cur = [b, o, Decimal(h), Decimal(lo), c, Decimal(v)]
    if cur:
        out.append(cur)
    norm = lambda d: format(d.normalize(), "f") if isinstance(d, Decimal) else d
    return [",".join([str(r[0])] + [norm(x) for x in r[1:]]) for r in out]


# US stocks: SPY (ETF) with real hourly and daily bars, AAPL (stock) with real daily bars.
lo, hi = ms(2020, 10, 1), ms(2021, 4, 1)
spy_1h = read("spy_1h_lean.csv", lo, hi)
spy_1d = read("spy_1d_lean.csv", lo, hi)
aapl_1d = read("aapl_1d_lean.csv", lo, hi)
write("SPY", "1h", spy_1h)
write("SPY", "4h", aggregate(spy_1h, "4h"))
write("SPY", "1d", spy_1d)
write("SPY", "1w", aggregate(spy_1d, "1w"))
write("AAPL", "1d", aapl_1d)
write("AAPL", "1w", aggregate(aapl_1d, "1w"))

# Crypto: one full week of FTX BTC-PERP minutes (contiguous), every timeframe.
lo, hi = ms(2022, 1, 3), ms(2022, 1, 10)
btc_1m = read("btcperp_1m_ftx.csv", lo, hi)
write("BTC-PERP", "1m", btc_1m)
for tf in ["5m", "15m", "30m", "1h", "4h", "1d", "1w"]:
    write("BTC-PERP", tf, aggregate(btc_1m, tf))
