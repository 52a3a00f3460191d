import BackfillCore
import BackfillPresentation

/// Writes rows to a file descriptor (stdout by default), buffered: candles in the replay
/// provider's CSV format, features, JSON lines.
struct CSVWriter {
    private var buffer: [UInt8] = []
    private let fd: Int32
    /// The first failed write's errno (0: none): a file export reports it, stdout ignores it.
    private(set) var failure: Int32 = 0

    init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

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
        if fd == 1 {
            buffer.withUnsafeBytes { TerminalOutput.writeAll(1, $0) }
        } else if failure == 0 {
            failure = buffer.withUnsafeBytes { AtomicFile.writeAll(fd, $0) }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
