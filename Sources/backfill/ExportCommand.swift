import ArgumentParser
import BackfillCore
import BackfillStore

#if canImport(Glibc)
    import Glibc
#endif

/// `backfill export`: stored data as CSV, JSON lines or Parquet, to stdout or files.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write stored candles, features or events as CSV, JSON lines or Parquet.",
        subcommands: [Candles.self, FeatureRows.self, EventRows.self])

    struct Candles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write stored candles in time order, as CSV (the replay format), JSON lines or Parquet.",
            discussion: """
                The CSV is exactly the replay provider's format (ts as epoch milliseconds UTC), so \
                export → <folder>/<SYMBOL>/<timeframe>.csv → backfill run --replay-dir <folder> round-trips \
                (--output-dir writes that layout). Parquet (--output FILE or --output-dir DIR) has typed \
                columns: symbol, timeframe, ts as TIMESTAMP(MILLIS, UTC), open, high, low, close, volume, \
                vwap (DOUBLE, null when unknown) and trades (INT64, null when unknown); docs/export.md. \
                --provenance adds where each bar came from: provider, run_id, request_id and fetched_at (empty or null \
                where unknown).
                """)

        @OptionGroup var target: ExportOptions
        @Flag(
            help:
                "Apply the stored splits at read time (prices × from/to, volume × to/from before each split); the stored history stays raw."
        )
        var adjusted = false
        @Flag(help: "With --adjusted, also apply dividends: prices before an ex date × (1 − cash / the close before it).")
        var dividends = false
        @Flag(
            help:
                "Add where each bar came from: the provider, run id and request id of the stored range it was fetched in, and when."
        )
        var provenance = false
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let plan = try target.plan(table: provenance ? .candlesWithProvenance : .candles)
            if dividends && !adjusted { throw CLIFailure.usage("--dividends goes with --adjusted") }
            let store = try await db.open(config)
            try plan.each { s, tf, sink in
                let adjuster = adjusted ? try Adjuster(store: store, symbol: s, timeframe: tf, dividends: dividends) : nil
                let sources =
                    provenance ? try Provenance(store: store, symbol: s, timeframe: tf, start: plan.from, end: plan.to) : nil
                try store.readCandles(symbol: s, timeframe: tf, start: plan.from, end: plan.to, batchSize: 8192) { batch in
                    adjuster?.apply(batch)
                    try sink.candles(batch, s, tf, provenance: sources)
                }
            }
        }
    }

    struct FeatureRows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "features",
            abstract: "Write stored features in time order: CSV ts,ret_1,...,slope_20 (undefined values empty), JSON lines or Parquet.",
            discussion: """
                Parquet columns: symbol, timeframe, ts as TIMESTAMP(MILLIS, UTC), then the nine features \
                as DOUBLE, NaN where a feature is undefined (docs/export.md).
                """)

        @OptionGroup var target: ExportOptions
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        func run() async throws {
            let plan = try target.plan(table: .features)
            let store = try await db.open(config)
            try plan.each { s, tf, sink in
                try store.readFeatures(symbol: s, timeframe: tf, start: plan.from, end: plan.to, batchSize: 8192) { b in
                    try sink.features(b, s, tf)
                }
            }
        }
    }
}

/// What an export writes and where: the series (`--symbol`/`--symbols` × `--timeframe`/
/// `--timeframes`), the time range, the format, and stdout, one file or one file per series.
struct ExportOptions: ParsableArguments {
    @Option(help: "The symbol (or --symbols).") var symbol: String?
    @Option(help: "Comma-separated symbols: one file with all of them (JSON lines, Parquet), or one per series (--output-dir).")
    var symbols: String?
    @Option(help: "The timeframe: 1m 5m 15m 30m 1h 4h 1d 1w (or --timeframes).") var timeframe: String?
    @Option(help: "Comma-separated timeframes.") var timeframes: String?
    @Option(help: "Start (UTC, inclusive): YYYY-MM-DD[THH:MM[:SS]] or epoch ms.") var start: String?
    @Option(help: "End (UTC, exclusive).") var end: String?
    @Option(help: "csv, jsonl or parquet.") var format: String = "csv"
    @Option(help: "Write this file (put in place whole when the export succeeds) instead of stdout.") var output: String?
    @Option(help: "Write one file per series, DIR/SYMBOL/TIMEFRAME.csv|jsonl|parquet (for CSV, the replay provider's layout).")
    var outputDir: String?
    @Option(help: "Parquet: rows per row group (default 131072).") var rowGroupRows: Int = 131_072
    @Option(help: "Parquet: zstd (default) or none.") var compression: String = "zstd"

    enum Format: String, CaseIterable {
        case csv, jsonl, parquet

        /// `--format`'s value, or the one-line usage error naming the valid ones.
        static func parse(_ text: String) throws(CLIFailure) -> Format {
            guard let f = Format(rawValue: text) else {
                throw .usage("unknown --format '\(text)'; valid: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return f
        }
    }

    /// The parsed request.
    struct Plan {
        var series: [(Symbol, Timeframe)]
        var from: Int64, to: Int64
        var format: Format
        var table: ParquetFile.Table
        var output: String?, outputDir: String?
        var rowGroupRows: Int
        var compress: Bool

        /// Runs `body` for every series with the sink it writes to, then finishes the files; a
        /// store error is the command's one-line failure.
        func each(_ body: (Symbol, Timeframe, ExportSink) throws -> Void) throws(CLIFailure) {
            func run(_ s: Symbol, _ tf: Timeframe, _ sink: ExportSink) throws(CLIFailure) {
                do {
                    try body(s, tf, sink)
                } catch let error as StoreError {
                    throw CLIFailure.store(error)
                } catch let error as CLIFailure {
                    throw error
                } catch {
                    throw CLIFailure.failed("\(error)")
                }
            }
            if let outputDir {
                for (s, tf) in series {
                    let folder = outputDir + "/" + s.text
                    try Self.makeFolder(folder)
                    let sink = try ExportSink(
                        plan: self, path: folder + "/" + tf.rawValue + "." + format.rawValue)
                    try run(s, tf, sink)
                    try sink.finish()
                }
            } else {
                let sink = try ExportSink(plan: self, path: output)
                for (s, tf) in series { try run(s, tf, sink) }
                try sink.finish()
            }
        }

        /// Makes `path` and the folders above it that are missing.
        static func makeFolder(_ path: String) throws(CLIFailure) {
            var at = path.hasPrefix("/") ? "" : "."
            for part in path.split(separator: "/") {
                at += "/" + part
                if mkdir(at, 0o755) != 0 && errno != EEXIST {
                    throw CLIFailure.failed("cannot make the folder '\(at)': \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    func plan(table: ParquetFile.Table) throws(CLIFailure) -> Plan {
        func list<T>(_ one: String?, _ many: String?, _ name: String, _ parse: (String) throws(InputError) -> [T]) throws(CLIFailure)
            -> [T]
        {
            switch (one, many) {
            case (nil, nil): throw .usage("name the series: --\(name) (or --\(name)s with a comma-separated list)")
            case (.some, .some): throw .usage("give --\(name) or --\(name)s, not both")
            default:
                do { return try parse(one ?? many ?? "") } catch { throw .usage(error.message) }
            }
        }
        let syms = try list(symbol, symbols, "symbol") { t throws(InputError) in try Symbol.parseList(t) }
        let tfs = try list(timeframe, timeframes, "timeframe") { t throws(InputError) in try Timeframe.parseList(t) }
        let from: Int64, to: Int64
        do {
            from = try start.map { t throws(InputError) in try UTCTime.parse(t) } ?? .min
            to = try end.map { t throws(InputError) in try UTCTime.parse(t) } ?? .max
        } catch {
            throw .usage(error.message)
        }
        guard from < to else { throw .usage("--start must be before --end") }
        let fmt = try Format.parse(format)
        if output != nil && outputDir != nil { throw .usage("give --output or --output-dir, not both") }
        if fmt == .parquet && output == nil && outputDir == nil {
            throw .usage("--format parquet is written to a file: give --output FILE (or --output-dir DIR); stdout is refused")
        }
        let series = syms.flatMap { s in tfs.map { (s, $0) } }
        if fmt == .csv && outputDir == nil && series.count > 1 {
            throw .usage(
                "CSV holds one series (the replay format has no symbol column): use --output-dir DIR, or --format jsonl or parquet")
        }
        guard rowGroupRows >= 1 else { throw .usage("--row-group-rows must be >= 1") }
        guard compression == "zstd" || compression == "none" else {
            throw .usage("unknown --compression '\(compression)'; valid: zstd, none")
        }
        return Plan(
            series: series, from: from, to: to, format: fmt, table: table, output: output, outputDir: outputDir,
            rowGroupRows: rowGroupRows, compress: compression == "zstd")
    }
}

/// One destination of an export: stdout or a file, in the plan's format.
final class ExportSink {
    private let format: ExportOptions.Format
    private let table: ParquetFile.Table
    private var text: CSVWriter
    private let file: OutputFile?
    private let parquet: ParquetFile?
    private var headerWritten = false

    /// - Parameter path: the file (nil: stdout).
    convenience init(plan: ExportOptions.Plan, path: String?) throws(CLIFailure) {
        try self.init(format: plan.format, table: plan.table, path: path, rowGroupRows: plan.rowGroupRows, compress: plan.compress)
    }

    init(format: ExportOptions.Format, table: ParquetFile.Table, path: String?, rowGroupRows: Int, compress: Bool) throws(CLIFailure) {
        self.format = format
        self.table = table
        if format == .parquet, let path {
            parquet = try ParquetFile(path: path, table: table, rowGroupRows: rowGroupRows, compress: compress)
            file = nil
            text = CSVWriter()
        } else {
            parquet = nil
            file = try path.map { p throws(CLIFailure) in try OutputFile(p) }
            text = CSVWriter(fd: file?.fd ?? 1)
        }
        if format == .csv { writeHeader() }
    }

    private func writeHeader() {
        switch table {
        case .candles: text.header()
        case .candlesWithProvenance: text.write(CandleCSV.header.dropLast() + ",provider,run_id,request_id,fetched_at\n")
        case .features: text.write("ts," + FeatureBatch.names.joined(separator: ",") + "\n")
        case .events: text.write(StoredEvent.rowColumns.joined(separator: ",") + "\n")
        }
    }

    /// A batch of candles; with `provenance`, each row with the stored range it came from.
    func candles(_ b: CandleBatch, _ s: Symbol, _ tf: Timeframe, provenance: Provenance? = nil) throws(CLIFailure) {
        guard let provenance else {
            switch format {
            case .parquet: try parquet?.append(symbol: s, timeframe: tf, candles: b)
            case .csv: for i in 0..<b.count { text.row(b, i) }
            case .jsonl: for i in 0..<b.count { text.jsonRow(b, i, symbol: s, timeframe: tf) }
            }
            return try check()
        }
        // Runs of rows from one stored range share their provenance (a Parquet append each).
        var i = 0
        while i < b.count {
            let r = provenance.record(at: b.ts[i])
            var j = i + 1
            while j < b.count && provenance.record(at: b.ts[j]) == r { j += 1 }
            let source = r.map { provenance.records[$0] }
            switch format {
            case .parquet: try parquet?.append(symbol: s, timeframe: tf, candles: b, rows: i..<j, source: source)
            case .csv:
                let tail =
                    source.map { ",\($0.provider),\($0.runId.map(String.init) ?? ""),\($0.requestId ?? ""),\(UTCTime.iso($0.recordedAt))" }
                    ?? ",,,,"
                for k in i..<j { text.write(CandleCSV.line(b, k) + tail + "\n") }
            case .jsonl:
                let tail = JSON.object([
                    ("provider", source.map { .string($0.provider) } ?? .null), ("run_id", source?.runId.map { .int($0) } ?? .null),
                    ("request_id", source?.requestId.map { .string($0) } ?? .null),
                    ("fetched_at", source.map { .string(UTCTime.iso($0.recordedAt)) } ?? .null),
                ]).text().dropFirst()
                for k in i..<j { text.write(CandleCSV.jsonLine(b, k, symbol: s, timeframe: tf).dropLast(2) + "," + tail + "\n") }
            }
            i = j
        }
        try check()
    }

    func features(_ b: FeatureBatch, _ s: Symbol, _ tf: Timeframe) throws(CLIFailure) {
        switch format {
        case .parquet: try parquet?.append(symbol: s, timeframe: tf, features: b)
        case .csv: for i in 0..<b.count { text.write(b.csvLine(i) + "\n") }
        case .jsonl:
            let prefix = "{\"symbol\":\"\(s)\",\"timeframe\":\"\(tf)\","
            for i in 0..<b.count { text.write(prefix + b.jsonObject(i).dropFirst() + "\n") }
        }
        try check()
    }

    /// Events (the events table: one row each).
    func events(_ rows: [StoredEvent]) throws(CLIFailure) {
        for e in rows {
            switch format {
            case .csv: text.write(e.rowFields.map { $0 ?? "" }.joined(separator: ",") + "\n")
            case .jsonl: text.write(e.rowJSON.text() + "\n")
            case .parquet: try parquet?.append(event: e)
            }
        }
        try check()
    }

    private func check() throws(CLIFailure) {
        if text.failure != 0, let file { throw CLIFailure.failed(OutputFile.message(file.path, text.failure)) }
    }

    func finish() throws(CLIFailure) {
        text.flush()
        try check()
        try parquet?.finish()
        try file?.finish()
    }
}
