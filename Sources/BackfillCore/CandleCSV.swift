/// The replay provider's CSV format of a candle (what `export candles` writes and `--record`
/// records), and its JSON-lines form.
public enum CandleCSV {
    /// The header line, with its newline.
    public static let header = "ts,open,high,low,close,volume,vwap,trades\n"

    /// Row `i` of `b` without its newline; vwap and trades are empty when unknown. Doubles print
    /// in the shortest form that reads back to the same value, so the file round-trips.
    public static func line(_ b: CandleBatch, _ i: Int) -> String {
        var line = "\(b.ts[i]),\(d(b.open[i])),\(d(b.high[i])),\(d(b.low[i])),\(d(b.close[i])),\(d(b.volume[i])),"
        if !b.vwap[i].isNaN { line += d(b.vwap[i]) }
        line += ","
        if b.trades[i] >= 0 { line += "\(b.trades[i])" }
        return line
    }

    /// Row `i` of `b` as one JSON object with its newline; unknown vwap/trades are null.
    public static func jsonLine(_ b: CandleBatch, _ i: Int, symbol: Symbol, timeframe: Timeframe) -> String {
        var line = "{\"symbol\":\"\(symbol)\",\"timeframe\":\"\(timeframe)\",\"ts\":\(b.ts[i]),"
        line += "\"time\":\"\(UTCTime.iso(b.ts[i]))\",\"open\":\(d(b.open[i])),\"high\":\(d(b.high[i])),"
        line += "\"low\":\(d(b.low[i])),\"close\":\(d(b.close[i])),\"volume\":\(d(b.volume[i])),"
        line += "\"vwap\":\(b.vwap[i].isNaN ? "null" : d(b.vwap[i])),\"trades\":\(b.trades[i] < 0 ? "null" : String(b.trades[i]))}\n"
        return line
    }

    private static func d(_ v: Double) -> String { NumberFormat.decimal(v) }
}

extension FeatureBatch {
    /// Row `i` as CSV `ts,ret_1,...,slope_20` without its newline (undefined values empty):
    /// what `export features` writes and the API's `format=csv` serves.
    public func csvLine(_ i: Int) -> String {
        var line = String(ts[i])
        for c in columns { line += "," + (c[i].isNaN ? "" : "\(c[i])") }
        return line
    }

    /// Row `i` as one JSON object (undefined values null), without a newline.
    public func jsonObject(_ i: Int) -> String {
        var line = "{\"ts\":\(ts[i]),\"time\":\"\(UTCTime.iso(ts[i]))\""
        for (name, c) in zip(Self.names, columns) { line += ",\"\(name)\":" + (c[i].isNaN || c[i].isInfinite ? "null" : "\(c[i])") }
        return line + "}"
    }
}
