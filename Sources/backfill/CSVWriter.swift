import BackfillCore
import BackfillPresentation

/// Writes rows to stdout, buffered (candles in the replay provider's CSV format, features, ...).
struct CSVWriter {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func header() { write(CandleCSV.header) }

    /// One candle row (``CandleCSV/line(_:_:)``).
    mutating func row(_ b: CandleBatch, _ i: Int) { write(CandleCSV.line(b, i) + "\n") }

    /// One candle as a JSON object on its own line.
    mutating func jsonRow(_ b: CandleBatch, _ i: Int, symbol: Symbol, timeframe: Timeframe) {
        write(CandleCSV.jsonLine(b, i, symbol: symbol, timeframe: timeframe))
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { TerminalOutput.writeAll(1, $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
