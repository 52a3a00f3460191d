import ArgumentParser
import BackfillCore
import BackfillParquet
import BackfillStore

#if canImport(Glibc)
    import Glibc
#endif

extension Export {
    /// `backfill export events`: stored splits, dividends, earnings reports and ticker changes.
    struct EventRows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "events",
            abstract: "Write stored splits, dividends, earnings reports and ticker changes by date: CSV, JSON lines or Parquet.",
            discussion: """
                One row per event: symbol, kind (split, dividend, earnings, ticker_change), date (the execution, \
                ex, report or first trading date), the split's from/to, the dividend's cash and dates, the provider, the report's time \
                (before_open, after_close, during_market, unknown), fiscal year and period, EPS and revenue \
                estimate and actual, the currency, and a ticker change's new ticker; a field that does not apply or is not known is empty \
                (null in JSON lines and Parquet). docs/export.md.
                """)

        @Option(help: "The symbol (or --symbols).") var symbol: String?
        @Option(help: "Comma-separated symbols (default: every symbol in the store).") var symbols: String?
        @Option(help: "Only these kinds: split, dividend, earnings, ticker_change (comma-separated).") var kinds: String?
        @Option(help: "csv, jsonl or parquet.") var format: String = "csv"
        @Option(help: "Write this file (put in place whole when the export succeeds) instead of stdout.") var output: String?
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            guard symbol == nil || symbols == nil else { throw CLIFailure.usage("give --symbol or --symbols, not both") }
            let fmt = try ExportOptions.Format.parse(format)
            if fmt == .parquet && output == nil {
                throw CLIFailure.usage("--format parquet is written to a file: give --output FILE; stdout is refused")
            }
            var wanted = Set(CorporateEvent.Kind.allCases)
            if let kinds {
                do throws(InputError) { wanted = try CorporateEvent.Kind.set(parsing: kinds) } catch {
                    throw CLIFailure.usage("--kinds: \(error.message)")
                }
            }
            let named = try Self.named(symbol, symbols)
            let store = try await db.open(config)
            do {
                let list = try named ?? store.symbols(activeOnly: false).map(\.symbol)
                let sink = try ExportSink(format: fmt, table: .events, path: output, rowGroupRows: 131_072, compress: true)
                for s in list { try sink.events(try store.events(symbol: s).filter { wanted.contains($0.kind) }) }
                try sink.finish()
            } catch let error as StoreError {
                throw CLIFailure.store(error)
            }
        }
    }
}

extension Export.EventRows {
    /// The symbols named by --symbol or --symbols (nil: none named).
    static func named(_ one: String?, _ many: String?) throws(CLIFailure) -> [Symbol]? {
        do throws(InputError) {
            if let one { return [try Symbol(one)] }
            if let many { return try Symbol.parseList(many) }
            return nil
        } catch {
            throw .usage(error.message)
        }
    }
}

extension ParquetFile {
    /// The events table's columns.
    static let eventColumns: [(String, bf_pq_kind, Bool)] = [
        ("symbol", BF_PQ_STRING, false), ("kind", BF_PQ_STRING, false), ("date", BF_PQ_TIMESTAMP_MS, false),
        ("split_from", BF_PQ_DOUBLE, true), ("split_to", BF_PQ_DOUBLE, true), ("cash_amount", BF_PQ_DOUBLE, true),
        ("pay_date", BF_PQ_TIMESTAMP_MS, true), ("record_date", BF_PQ_TIMESTAMP_MS, true), ("declaration_date", BF_PQ_TIMESTAMP_MS, true),
        ("provider", BF_PQ_STRING, false), ("report_time", BF_PQ_STRING, true), ("fiscal_year", BF_PQ_INT64, true),
        ("fiscal_period", BF_PQ_STRING, true), ("eps_estimate", BF_PQ_DOUBLE, true), ("eps_actual", BF_PQ_DOUBLE, true),
        ("revenue_estimate", BF_PQ_DOUBLE, true), ("revenue_actual", BF_PQ_DOUBLE, true), ("currency", BF_PQ_STRING, true),
        ("ticker", BF_PQ_STRING, true),
    ]

    /// Appends one event as one row (events are few; each row carries its own strings).
    func append(event e: StoredEvent) throws(CLIFailure) {
        let split = e.kind == .split, dividend = e.kind == .dividend, x = e.earnings
        let strings: [String?] = [
            e.symbol.text, e.kind.rawValue, e.provider, x?.time.rawValue, x.flatMap { $0.fiscalPeriod.isEmpty ? nil : $0.fiscalPeriod },
            e.currency.isEmpty ? nil : e.currency, e.ticker,
        ]
        let c = strings.map { $0.flatMap { strdup($0) } }
        let empty = strdup("")
        defer {
            for p in c { free(p) }
            free(empty)
        }
        var ints: [Int64] = [
            e.exDate, e.payDate ?? 0, e.recordDate ?? 0, e.declarationDate ?? 0, Int64(x?.fiscalYear ?? 0),
        ]
        var doubles: [Double] = [
            split ? e.splitFrom : .nan, split ? e.splitTo : .nan, dividend ? e.cashAmount : .nan, x?.epsEstimate ?? .nan,
            x?.epsActual ?? .nan, x?.revenueEstimate ?? .nan, x?.revenueActual ?? .nan,
        ]
        var present: [UInt8] =
            [
                1, e.payDate != nil ? 1 : 0, e.recordDate != nil ? 1 : 0, e.declarationDate != nil ? 1 : 0,
                (x?.fiscalYear ?? 0) > 0 ? 1 : 0,
            ] + doubles.map { $0.isNaN ? 0 : 1 } + [0, 1]
        try ints.withUnsafeMutableBufferPointer { i throws(CLIFailure) in
            try doubles.withUnsafeMutableBufferPointer { d throws(CLIFailure) in
                try present.withUnsafeMutableBufferPointer { v throws(CLIFailure) in
                    guard let i = i.baseAddress, let d = d.baseAddress, let v = v.baseAddress else { return }
                    func text(_ k: Int) -> bf_pq_values {
                        bf_pq_values(text: UnsafePointer(c[k] ?? empty), i64: nil, f64: nil, valid: c[k] == nil ? v + 12 : v + 13)
                    }
                    func int(_ k: Int) -> bf_pq_values { bf_pq_values(text: nil, i64: i + k, f64: nil, valid: v + k) }
                    func double(_ k: Int) -> bf_pq_values { bf_pq_values(text: nil, i64: nil, f64: d + k, valid: v + 5 + k) }
                    let row = [
                        text(0), text(1), int(0), double(0), double(1), double(2), int(1), int(2), int(3), text(2), text(3), int(4),
                        text(4), double(3), double(4), double(5), double(6), text(5), text(6),
                    ]
                    try append(row, 1)
                }
            }
        }
    }
}
