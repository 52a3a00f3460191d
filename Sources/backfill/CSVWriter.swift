import BackfillCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes candles to stdout in the replay provider's CSV format, buffered.
struct CSVWriter {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func header() { write("ts,open,high,low,close,volume,vwap,trades\n") }

    /// One row; vwap and trades are empty when unknown. Doubles print in Swift's shortest
    /// round-trip form, so the file reads back to the same values.
    mutating func row(_ b: CandleBatch, _ i: Int) { write(line(b, i) + "\n") }

    /// One row without its newline.
    func line(_ b: CandleBatch, _ i: Int) -> String {
        var line = "\(b.ts[i]),\(d(b.open[i])),\(d(b.high[i])),\(d(b.low[i])),\(d(b.close[i])),\(d(b.volume[i])),"
        if !b.vwap[i].isNaN { line += d(b.vwap[i]) }
        line += ","
        if b.trades[i] >= 0 { line += "\(b.trades[i])" }
        return line
    }

    /// One row as a JSON object on its own line; unknown vwap/trades are null.
    mutating func jsonRow(_ b: CandleBatch, _ i: Int, symbol: Symbol, timeframe: Timeframe) {
        var line = "{\"symbol\":\"\(symbol)\",\"timeframe\":\"\(timeframe)\",\"ts\":\(b.ts[i]),"
        line += "\"time\":\"\(UTCTime.iso(b.ts[i]))\",\"open\":\(d(b.open[i])),\"high\":\(d(b.high[i])),"
        line += "\"low\":\(d(b.low[i])),\"close\":\(d(b.close[i])),\"volume\":\(d(b.volume[i])),"
        line += "\"vwap\":\(b.vwap[i].isNaN ? "null" : d(b.vwap[i])),\"trades\":\(b.trades[i] < 0 ? "null" : String(b.trades[i]))}\n"
        write(line)
    }

    private func d(_ v: Double) -> String { NumberFormat.decimal(v) }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { Terminal.writeAll(1, $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
