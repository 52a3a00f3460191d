import ArgumentParser
import BackfillCore
import BackfillStore

/// `backfill export`: stored data to stdout.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write stored data to stdout.", subcommands: [Candles.self])

    struct Candles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write stored candles in time order, as CSV (the replay format) or JSON lines.",
            discussion: """
                The CSV is exactly the replay provider's format (ts as epoch milliseconds UTC), so \
                export → <folder>/<SYMBOL>/<timeframe>.csv → backfill run --replay-dir <folder> round-trips.
                """)

        @Option(help: "The symbol.") var symbol: String
        @Option(help: "The timeframe: 1m 5m 15m 30m 1h 4h 1d 1w.") var timeframe: String
        @Option(help: "Start (UTC, inclusive): YYYY-MM-DD[THH:MM[:SS]] or epoch ms.") var start: String?
        @Option(help: "End (UTC, exclusive).") var end: String?
        @Option(help: "csv or jsonl.") var format: String = "csv"
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let s: Symbol, tf: Timeframe, from: Int64, to: Int64
            do {
                s = try Symbol(symbol)
                tf = try Timeframe.parse(timeframe)
                from = try start.map { t throws(InputError) in try UTCTime.parse(t) } ?? .min
                to = try end.map { t throws(InputError) in try UTCTime.parse(t) } ?? .max
                guard from < to else { throw InputError.invalid("--start must be before --end") }
                guard format == "csv" || format == "jsonl" else {
                    throw InputError.invalid("unknown --format '\(format)'; valid: csv, jsonl")
                }
            } catch let error as InputError {
                throw CLIFailure.usage(error.message)
            }
            let store = try db.open()
            var out = CSVWriter()
            if format == "csv" { out.header() }
            do {
                try store.readCandles(symbol: s, timeframe: tf, start: from, end: to, batchSize: 8192) { batch in
                    for i in 0..<batch.count {
                        if format == "csv" { out.row(batch, i) } else { out.jsonRow(batch, i, symbol: s, timeframe: tf) }
                    }
                }
            } catch let error as StoreError {
                out.flush()
                throw CLIFailure.store(error)
            }
            out.flush()
        }
    }
}
