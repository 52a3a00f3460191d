"""The features job as a user would write it in Python (the yardstick of benchmarks/features.sh):
pandas read_sql of the series' candles, TA-Lib's nine calls, executemany of the rows into the
same features table in one transaction.

    features_pipeline.py sqlite PATH SERIES_ID
    features_pipeline.py postgres URL SERIES_ID
"""
import sys

import numpy as np
import pandas as pd
import talib

backend, where, series = sys.argv[1], sys.argv[2], int(sys.argv[3])
if backend == "sqlite":
    import sqlite3
    con = sqlite3.connect(where)
    mark = "?"
else:
    import psycopg
    con = psycopg.connect(where)
    mark = "%s"
df = pd.read_sql(f"SELECT ts, open, high, low, close FROM candles WHERE series_id = {series} ORDER BY ts", con)
h, l, c = (df[k].to_numpy(dtype="f8") for k in ("high", "low", "close"))
cols = [
    talib.ROCP(c, 1), np.log(talib.ROCR(c, 1)), talib.STDDEV(np.log(talib.ROCR(c, 1)), 20, 1), talib.ATR(h, l, c, 14),
    talib.NATR(h, l, c, 14), talib.SMA(c, 20), talib.EMA(c, 20), talib.RSI(c, 14), talib.LINEARREG_SLOPE(c, 20),
]
ts = df["ts"].to_numpy()
rows = [(series, int(ts[i]), *(None if np.isnan(x[i]) else float(x[i]) for x in cols)) for i in range(len(ts))]
names = "ret_1, logret_1, vol_20, atr_14, natr_14, sma_20, ema_20, rsi_14, slope_20"
sql = f"INSERT INTO features (series_id, ts, {names}) VALUES ({', '.join([mark] * 11)})"
cur = con.cursor()
cur.executemany(sql, rows)
con.commit()
print(len(rows), "rows")
