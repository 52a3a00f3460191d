"""Writes a replay file of the real FTX BTC-PERP 1-minute series tiled end to end.

    python3 benchmarks/tile_btcperp.py SOURCE.csv DEST.csv TILES

SOURCE is shared/data/ohlcv/btcperp_1m_ftx.csv (45,031 contiguous bars); each tile is the series
shifted by its span, so the result is one contiguous series TILES times as long. Prints
"first_ms end_ms candles" for the benchmark scripts (benchmarks/ingest.sh, isolation.sh).
"""
import os
import sys

src, dst, tiles = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = open(src).read().splitlines()[1:]
first = int(rows[0].split(",")[0])
last = int(rows[-1].split(",")[0])
span = last - first + 60_000
os.makedirs(os.path.dirname(dst), exist_ok=True)
with open(dst, "w") as f:
    f.write("ts,open,high,low,close,volume\n")
    for t in range(tiles):
        shift = t * span
        f.write("".join(f"{int(r[:r.index(',')]) + shift}{r[r.index(','):]}\n" for r in rows))
print(first, first + tiles * span, len(rows) * tiles)
