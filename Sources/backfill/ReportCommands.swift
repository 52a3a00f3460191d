import ArgumentParser
import BackfillCalendar
import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillReport
import BackfillSettings
import BackfillSetup
import BackfillStore

/// What `matrix` and `gaps` share: which pairs, which range, whose stamping rules, from the store alone.
struct StoreReport: ParsableArguments {
    @OptionGroup var selection: PairSelection
    @OptionGroup var range: RangeOptions
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var config: ConfigOption

    @Option(
        help: "Count only this provider's coverage and use its bar stamping (default: any provider's coverage, 4h bars from 00:00 UTC).")
    var provider: String?

    /// The settings these flags give.
    func settings() async throws(CLIFailure) -> Settings {
        var f = Settings.Flags()
        selection.flags(&f)
        range.flags(&f)
        db.flags(&f)
        plugins.flags(&f)
        return try await config.load(f)
    }

    /// Detects the gaps of every selected pair from the store.
    func detect() async throws(CLIFailure) -> (symbols: [Symbol], timeframes: [Timeframe], cells: [PairKey: PairCompleteness]) {
        let r = try await detectWithStore(sessions: false)
        return (r.symbols, r.timeframes, r.cells)
    }

    /// The same, with the range and the open store (and, when asked, each session's counts).
    func detectWithStore(sessions: Bool) async throws(CLIFailure) -> (
        symbols: [Symbol], timeframes: [Timeframe], cells: [PairKey: PairCompleteness], range: (Int64, Int64), store: any CandleStore
    ) {
        let settings = try await settings()
        let store = try db.open(settings)
        let plugins = self.plugins
        do {
            let c = try Setup.completeness(
                settings, store: store, start: range.start, end: range.end, provider: provider,
                registry: { () throws(SetupError) in
                    try Setup.registry(
                        settings, environment: settings.environment,
                        logger: Presenter(format: .text, quiet: false).logger(verbose: plugins.verbose))
                }, clock: range.clock, sessions: sessions)
            return (c.symbols, c.timeframes, c.cells, c.range, store)
        } catch {
            throw .setup(error)
        }
    }
}

/// `backfill matrix`: the completeness matrix from the store alone.
struct Matrix: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the completeness matrix from the store (no fetching).",
        discussion: "✓ complete, ✗ holes remain (fetch_failed or suspect), ~ only provider_empty or pending gaps. Exit code 1 when any ✗.")

    @OptionGroup var report: StoreReport
    @Flag(help: "Show the share of expected bars present instead of marks.") var percent = false

    func run() async throws {
        let (symbols, timeframes, cells) = try await report.detect()
        print(
            MatrixText.text(
                symbols: symbols, timeframes: timeframes, cell: { s, tf in cells[PairKey(s, tf)].map { ($0.mark, $0.percent) } },
                percent: percent))
        if cells.values.contains(where: { $0.mark == .holes }) { throw CLIFailure(message: "", exitCode: 1) }
    }
}

/// `backfill gaps`: the gap report from the store alone.
struct Gaps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List missing bars as gaps with their class, from the store (no fetching).",
        discussion:
            "CSV: symbol,timeframe,class,start,end,missing,reason (start/end: first and last missing bar, ISO-8601 UTC; reason before_listing or after_delisting for a provider_empty gap outside the symbol's listing, else empty). --json prints the results-JSON gap objects."
    )

    @OptionGroup var report: StoreReport
    @Flag(help: "Print JSON instead of CSV.") var json = false

    func run() async throws {
        let (symbols, timeframes, cells) = try await report.detect()
        var gaps: [Gap] = []
        for s in symbols { for tf in timeframes { gaps += cells[PairKey(s, tf)]?.gaps ?? [] } }
        if json {
            print(JSON.array(gaps.map(ResultsJSON.gap)).text(indent: 2))
        } else {
            print("symbol,timeframe,class,start,end,missing,reason")
            for g in gaps {
                print(
                    "\(g.symbol),\(g.timeframe),\(g.gapClass.rawValue),\(UTCTime.iso(g.first)),\(UTCTime.iso(g.last)),\(g.missing),\(g.reason?.rawValue ?? "")"
                )
            }
        }
        if gaps.contains(where: { $0.gapClass.isHole }) { throw CLIFailure(message: "", exitCode: 1) }
    }
}

/// `backfill calendar`: the sessions a calendar expects, so users can see why a bar is expected.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Print the expected trading sessions as CSV date,open,close (ISO-8601 UTC).",
        discussion:
            "stock, etf and index use the NYSE calendar (2000-2030); crypto is 24/7; forex 24/5 (Sunday 17:00 to Friday 17:00 New York).")

    @Option(help: "stock, etf, crypto, forex or index.") var assetClass: String
    @Option(help: "First date (inclusive), YYYY-MM-DD.") var start: String
    @Option(help: "Last date (exclusive), YYYY-MM-DD.") var end: String

    func run() async throws {
        let ac: AssetClass, a: Int64, b: Int64
        do {
            ac = try AssetClass.parse(assetClass)
            a = try UTCTime.parse(start)
            b = try UTCTime.parse(end)
            guard a < b else { throw InputError.invalid("--start must be before --end") }
        } catch let error as InputError {
            throw CLIFailure.usage(error.message)
        }
        let calendar = MarketCalendar(ac)
        if calendar == .nyse {
            let years = NYSECalendar.supportedYears
            let y0 = UTCTime.civil(fromDays: UTCTime.floorDiv(a, UTCTime.msPerDay)).year
            let y1 = UTCTime.civil(fromDays: UTCTime.floorDiv(b - 1, UTCTime.msPerDay)).year
            if y0 < years.lowerBound || y1 > years.upperBound {
                Terminal.printError(
                    "warning: the NYSE rules are checked for \(years.lowerBound)-\(years.upperBound); dates outside follow the same rules unchecked"
                )
            }
        }
        print("date,open,close")
        for s in calendar.sessions(fromDay: UTCTime.floorDiv(a, UTCTime.msPerDay), toDay: UTCTime.floorDiv(b - 1, UTCTime.msPerDay) + 1) {
            print("\(UTCTime.isoDate(s.day * UTCTime.msPerDay)),\(UTCTime.iso(s.open)),\(UTCTime.iso(s.close))")
        }
    }
}

/// `backfill report --html FILE`: the dashboard's heatmaps and recent runs in one HTML file.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the completeness heatmaps and recent runs as one self-contained HTML file (no server needed).",
        discussion: """
            The same matrix and calendar heatmaps as the dashboard of backfill serve (inline CSS and SVG, nothing \
            fetched), from the store alone: for cron users, e.g. backfill run && backfill report --html /var/www/backfill.html.
            """)

    @Option(help: ArgumentHelp("The file to write (replaced whole, atomically).", valueName: "file")) var html: String
    @Option(help: "How many recent runs to list.") var runs: Int = 20
    @OptionGroup var report: StoreReport

    func run() async throws {
        let (symbols, timeframes, cells, range, store) = try await report.detectWithStore(sessions: true)
        let recent: [RunRecord]
        do { recent = try store.runs(limit: max(1, runs)) } catch { throw CLIFailure.store(error) }
        let database = (try? Setup.databaseURL(try await report.settings()).description) ?? ""
        let page = HTMLReport.page(
            database: database, generatedAt: UTCTime.now(), range: range, symbols: symbols, timeframes: timeframes, cells: cells,
            runs: recent)
        do { try AtomicFile.write(page, to: html) } catch { throw CLIFailure.usage(error.message) }
        Terminal.printError("wrote \(html): \(symbols.count) symbol(s) × \(timeframes.count) timeframe(s)")
    }
}
