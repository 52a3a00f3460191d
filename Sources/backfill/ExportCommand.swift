import ArgumentParser
import BackfillCore
import BackfillStore

/// `backfill export`: stored data to stdout.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write stored data to stdout.", subcommands: [Candles.self, FeatureRows.self])

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
        @Flag(
            help:
                "Apply the stored splits at read time (prices × from/to, volume × to/from before each split); the stored history stays raw."
        )
        var adjusted = false
        @Flag(help: "With --adjusted, also apply dividends: prices before an ex date × (1 − cash / the close before it).")
        var dividends = false
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

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
            if dividends && !adjusted { throw CLIFailure.usage("--dividends goes with --adjusted") }
            let store = try await db.open(config)
            var out = CSVWriter()
            if format == "csv" { out.header() }
            do {
                let adjuster = adjusted ? try Adjuster(store: store, symbol: s, timeframe: tf, dividends: dividends) : nil
                try store.readCandles(symbol: s, timeframe: tf, start: from, end: to, batchSize: 8192) { batch in
                    adjuster?.apply(batch)
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

    struct FeatureRows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "features",
            abstract: "Write stored features as CSV ts,ret_1,...,slope_20 in time order (undefined values empty).")

        @Option(help: "The symbol.") var symbol: String
        @Option(help: "The timeframe.") var timeframe: String
        @Option(help: "Start (UTC, inclusive).") var start: String?
        @Option(help: "End (UTC, exclusive).") var end: String?
        @OptionGroup var db: DatabaseOptions
        @OptionGroup var config: ConfigOption

        private func parseArguments() throws(CLIFailure) -> (Symbol, Timeframe, Int64, Int64) {
            do throws(InputError) {
                let s = try Symbol(symbol)
                let tf = try Timeframe.parse(timeframe)
                var from = Int64.min, to = Int64.max
                if let start { from = try UTCTime.parse(start) }
                if let end { to = try UTCTime.parse(end) }
                return (s, tf, from, to)
            } catch {
                throw .usage(error.message)
            }
        }

        func run() async throws {
            let (s, tf, from, to) = try parseArguments()
            let store = try await db.open(config)
            var out = CSVWriter()
            out.write("ts," + FeatureBatch.names.joined(separator: ",") + "\n")
            do {
                try store.readFeatures(symbol: s, timeframe: tf, start: from, end: to, batchSize: 8192) { b in
                    for i in 0..<b.count { out.write(b.csvLine(i) + "\n") }
                }
            } catch let error as StoreError {
                out.flush()
                throw CLIFailure.store(error)
            }
            out.flush()
        }
    }
}
