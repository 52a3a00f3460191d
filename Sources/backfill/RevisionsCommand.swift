import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillSettings
import BackfillStore

/// `backfill revisions`: the stored bars a later fetch changed, each with the values it had
/// before and after, the provider and the run (docs/verify.md, "revisions").
struct Revisions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored bars that a later fetch changed, with their old and new values.",
        discussion: """
            A run that fetches a bar already stored with other values keeps the stored values here before it writes \
            the new ones (a re-fetch that changes nothing records nothing). Without --days, --start or --end every \
            revision of the selected pairs is listed.
            """)

    @OptionGroup var selection: PairSelection
    @OptionGroup var range: RangeOptions
    @Option(name: .customLong("run"), help: "Only the revisions this run made (its id, as `backfill runs` shows).")
    var runId: Int64?
    @Flag(help: "One JSON document instead of text.") var json = false
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var config: ConfigOption

    func run() async throws {
        var f = Settings.Flags()
        selection.flags(&f)
        range.flags(&f)
        db.flags(&f)
        let settings = try await config.load(f)
        let store = try db.open(settings)
        let (start, end) =
            range.days == nil && range.start == nil && range.end == nil ? (Int64.min, Int64.max) : try range.resolve(settings)
        let symbols = Set(try PairSelection.resolveSymbols(store, settings).map(\.symbol))
        let timeframes = Set(try selection.timeframeList(settings))
        let found: [CandleRevision]
        do { found = try store.revisions(start: start, end: end, runId: runId) } catch { throw CLIFailure.store(error) }
        let rows = found.filter { symbols.contains($0.symbol) && timeframes.contains($0.timeframe) }
        if json {
            print(JSON.object([("revisions", .array(rows.map(Self.json)))]).text())
            return
        }
        for r in rows { print(Self.line(r)) }
        let pairs = Set(rows.map { "\($0.symbol)/\($0.timeframe)" }).count
        print("Revisions: \(rows.count) on \(pairs) pair(s)")
    }

    /// `SPY/1d 2024-01-02T00:00:00Z polygon run 7 at 2026-12-01T21:00:00Z: close 470.1 -> 470.5, volume 10 -> 12`.
    static func line(_ r: CandleRevision) -> String {
        let changed = zip(values(r.old), values(r.new)).compactMap { a, b in a.1 == b.1 ? nil : "\(a.0) \(a.1) -> \(b.1)" }
        let run = r.runId.map { " run \($0)" } ?? ""
        return
            "\(r.symbol)/\(r.timeframe) \(UTCTime.iso(r.ts)) \(r.provider.isEmpty ? "-" : r.provider)\(run) at \(UTCTime.iso(r.recordedAt)): "
            + changed.joined(separator: ", ")
    }

    /// A candle's values by name, as text (`-` for none).
    static func values(_ c: Candle) -> [(String, String)] {
        [
            ("open", NumberFormat.decimal(c.open)), ("high", NumberFormat.decimal(c.high)), ("low", NumberFormat.decimal(c.low)),
            ("close", NumberFormat.decimal(c.close)), ("volume", NumberFormat.decimal(c.volume)),
            ("vwap", c.vwap.map(NumberFormat.decimal) ?? "-"), ("trades", c.trades.map(String.init) ?? "-"),
        ]
    }

    static func json(_ r: CandleRevision) -> JSON {
        func candle(_ c: Candle) -> JSON {
            .object([
                ("open", .number(c.open)), ("high", .number(c.high)), ("low", .number(c.low)), ("close", .number(c.close)),
                ("volume", .number(c.volume)), ("vwap", c.vwap.map { .number($0) } ?? .null),
                ("trades", c.trades.map { .int($0) } ?? .null),
            ])
        }
        return .object([
            ("symbol", .string(r.symbol.text)), ("timeframe", .string(r.timeframe.rawValue)), ("ts", .string(UTCTime.iso(r.ts))),
            ("provider", .string(r.provider)), ("run_id", r.runId.map { .int($0) } ?? .null),
            ("recorded_at", .string(UTCTime.iso(r.recordedAt))),
            ("old", candle(r.old)), ("new", candle(r.new)),
        ])
    }
}
