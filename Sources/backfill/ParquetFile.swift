import BackfillCore
import BackfillParquet
import BackfillStore

#if canImport(Glibc)
    import Glibc
#endif

/// A Parquet file an export writes (the C writer, CSources/BackfillParquet): candles or features
/// of one or more series, with `symbol` and `timeframe` columns, rows in the order appended.
final class ParquetFile {
    /// What a file holds.
    enum Table {
        case candles, features, events
        /// Candles with where each came from (`export candles --provenance`).
        case candlesWithProvenance
    }

    private let file: OutputFile
    private var writer: OpaquePointer?
    private let table: Table

    /// The columns of a table: name, kind, nullable.
    static func columns(_ table: Table) -> [(String, bf_pq_kind, Bool)] {
        switch table {
        case .candles:
            [("symbol", BF_PQ_STRING, false), ("timeframe", BF_PQ_STRING, false), ("ts", BF_PQ_TIMESTAMP_MS, false)]
                + ["open", "high", "low", "close", "volume"].map { ($0, BF_PQ_DOUBLE, false) }
                + [("vwap", BF_PQ_DOUBLE, true), ("trades", BF_PQ_INT64, true)]
        case .candlesWithProvenance:
            columns(.candles) + [
                ("provider", BF_PQ_STRING, true), ("run_id", BF_PQ_INT64, true), ("request_id", BF_PQ_STRING, true),
                ("fetched_at", BF_PQ_TIMESTAMP_MS, true),
            ]
        case .features:
            [("symbol", BF_PQ_STRING, false), ("timeframe", BF_PQ_STRING, false), ("ts", BF_PQ_TIMESTAMP_MS, false)]
                + FeatureBatch.names.map { ($0, BF_PQ_DOUBLE, false) }
        case .events: eventColumns
        }
    }

    init(path: String, table: Table, rowGroupRows: Int, compress: Bool) throws(CLIFailure) {
        file = try OutputFile(path)
        self.table = table
        let specs = Self.columns(table)
        let names = specs.map { strdup($0.0) }
        defer { for name in names { free(name) } }
        let columns = zip(specs, names).map { spec, name in
            bf_pq_column(name: UnsafePointer(name), kind: spec.1, optional: spec.2 ? 1 : 0)
        }
        writer = columns.withUnsafeBufferPointer { cols in
            bf_pq_open(
                file.fd, cols.baseAddress, Int32(cols.count), rowGroupRows, compress ? BF_PQ_ZSTD : BF_PQ_UNCOMPRESSED, 3,
                "backfill version \(Backfill.version)")
        }
        guard writer != nil else { throw CLIFailure.failed("cannot write '\(path)': out of memory") }
    }

    deinit {
        if let writer { bf_pq_free(writer) }
        file.discard()
    }

    /// Appends one series' candles (`rows` of the batch, default all); for
    /// ``Table/candlesWithProvenance``, with the stored range they came from (nil: unknown).
    func append(
        symbol: Symbol, timeframe: Timeframe, candles b: CandleBatch, rows: Range<Int>? = nil, source: CoverageRecord? = nil
    ) throws(CLIFailure) {
        let rows = rows ?? 0..<b.count
        let (o, n) = (rows.lowerBound, rows.count)
        guard n > 0 else { return }
        let valid = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * n)
        defer { valid.deallocate() }
        for i in 0..<n {
            valid[i] = b.vwap[o + i].isNaN ? 0 : 1
            valid[n + i] = b.trades[o + i] < 0 ? 0 : 1
            valid[2 * n + i] = source == nil ? 0 : 1
        }
        var runIds = [Int64](repeating: source?.runId ?? 0, count: table == .candlesWithProvenance ? n : 0)
        var fetched = [Int64](repeating: source?.recordedAt ?? 0, count: runIds.count)
        let runValid = [UInt8](repeating: source?.runId == nil ? 0 : 1, count: n)
        let idValid = [UInt8](repeating: source?.requestId == nil ? 0 : 1, count: n)
        let provider = strdup(source?.provider ?? ""), requestId = strdup(source?.requestId ?? "")
        defer {
            free(provider)
            free(requestId)
        }
        try withStrings(symbol, timeframe) { s, t throws(CLIFailure) in
            let prices: [UnsafeMutablePointer<Double>] = [b.open, b.high, b.low, b.close, b.volume]
            var values =
                [
                    bf_pq_values(text: s, i64: nil, f64: nil, valid: nil), bf_pq_values(text: t, i64: nil, f64: nil, valid: nil),
                    bf_pq_values(text: nil, i64: b.ts + o, f64: nil, valid: nil),
                ] + prices.map { bf_pq_values(text: nil, i64: nil, f64: $0 + o, valid: nil) } + [
                    bf_pq_values(text: nil, i64: nil, f64: b.vwap + o, valid: valid),
                    bf_pq_values(text: nil, i64: b.trades + o, f64: nil, valid: valid + n),
                ]
            try runIds.withUnsafeMutableBufferPointer { r throws(CLIFailure) in
                try fetched.withUnsafeMutableBufferPointer { f throws(CLIFailure) in
                    try runValid.withUnsafeBufferPointer { rv throws(CLIFailure) in
                        try idValid.withUnsafeBufferPointer { iv throws(CLIFailure) in
                            if table == .candlesWithProvenance {
                                values += [
                                    bf_pq_values(text: provider, i64: nil, f64: nil, valid: valid + 2 * n),
                                    bf_pq_values(text: nil, i64: r.baseAddress, f64: nil, valid: rv.baseAddress),
                                    bf_pq_values(text: requestId, i64: nil, f64: nil, valid: iv.baseAddress),
                                    bf_pq_values(text: nil, i64: f.baseAddress, f64: nil, valid: valid + 2 * n),
                                ]
                            }
                            try append(values, n)
                        }
                    }
                }
            }
        }
    }

    /// Appends one series' feature rows (undefined values NaN).
    func append(symbol: Symbol, timeframe: Timeframe, features b: FeatureBatch) throws(CLIFailure) {
        guard b.count > 0 else { return }
        try withStrings(symbol, timeframe) { s, t throws(CLIFailure) in
            let values =
                [
                    bf_pq_values(text: s, i64: nil, f64: nil, valid: nil), bf_pq_values(text: t, i64: nil, f64: nil, valid: nil),
                    bf_pq_values(text: nil, i64: b.ts, f64: nil, valid: nil),
                ] + b.columns.map { bf_pq_values(text: nil, i64: nil, f64: $0, valid: nil) }
            try append(values, b.count)
        }
    }

    /// Appends rows of any table, given as C column values.
    func append(_ values: [bf_pq_values], _ n: Int) throws(CLIFailure) {
        guard let writer else { return }
        let rc = values.withUnsafeBufferPointer { bf_pq_append(writer, $0.baseAddress, n) }
        if rc != 0 { throw CLIFailure.failed("cannot write '\(file.path)': \(String(cString: bf_pq_error(writer)))") }
    }

    /// Writes the footer and puts the file in place.
    func finish() throws(CLIFailure) {
        guard let writer else { return }
        self.writer = nil
        var error = [CChar](repeating: 0, count: 256)
        let rc = bf_pq_close(writer, &error, error.count)
        if rc != 0 {
            file.discard()
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CLIFailure.failed("cannot write '\(file.path)': \(message)")
        }
        try file.finish()
    }

    private func withStrings<T>(_ s: Symbol, _ t: Timeframe, _ body: (UnsafePointer<CChar>, UnsafePointer<CChar>) throws(CLIFailure) -> T)
        throws(CLIFailure) -> T
    {
        let a = strdup(s.text), b = strdup(t.rawValue)
        defer {
            free(a)
            free(b)
        }
        guard let a, let b else { throw CLIFailure.failed("out of memory") }
        return try body(a, b)
    }
}
