import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillPresentation
import BackfillSettings
import BackfillSetup
import BackfillStore

/// `backfill verify`: checks of the stored bars themselves (not whether they are there: that is
/// `gaps`), from the store alone. docs/verify.md.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check stored bars for values that are present and wrong (no fetching).",
        discussion: """
            Checks: ohlc (finite, positive prices; high and low contain open and close; volume >= 0), ticks (a close \
            more than 10 times the recent volatility from the one before that comes back within 3 bars, with no stored \
            split or dividend: a bad print), calendar (across NYSE symbols: a closed day with bars, or an expected session \
            none has while the sessions around are there), revisions (stored bars a later fetch changed; `backfill \
            revisions` lists them), crosstf (each stored timeframe against the next finer one: containment, open, close, \
            volume). One line per finding with its severity; exit code 1 when any \
            finding is an error. docs/verify.md.
            """)

    @OptionGroup var selection: PairSelection
    @OptionGroup var range: RangeOptions
    @Option(help: "Comma-separated checks (default: all): ohlc, ticks, calendar, revisions, crosstf.") var checks: String?
    @Option(help: "Also compare with this provider's bars of the same range, fetched (rate-limited, retried) and not stored.")
    var against: String?
    @Option(
        name: .customLong("against-option"),
        help: ArgumentHelp("A setting of the --against provider as key=value (repeatable; replay: root=DIR).", valueName: "key=value"))
    var againstOptions: [String] = []
    @Flag(help: "One JSON document instead of text.") var json = false
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var config: ConfigOption

    func run() async throws {
        let wanted: [VerifyCheck]
        do { wanted = try checks.map { c throws(InputError) in try VerifyCheck.list(parsing: c) } ?? VerifyCheck.defaults } catch {
            throw CLIFailure.usage("--checks: \(error.message)")
        }
        var f = Settings.Flags()
        selection.flags(&f)
        range.flags(&f)
        db.flags(&f)
        let settings = try await config.load(f)
        let store = try db.open(settings)
        let (start, end) = try range.resolve(settings)
        let symbols = try PairSelection.resolveSymbols(store, settings)
        let timeframes = try selection.timeframeList(settings)
        let pairs = symbols.flatMap { s in timeframes.map { (s, $0) } }
        let second = try secondVendor(settings)
        let findings: [Finding]
        do {
            findings = try await Verifier(store: StoreQueue(store), checks: wanted, against: second).verify(pairs, start: start, end: end)
        } catch {
            throw CLIFailure.store(error)
        }
        if second?.progress != nil { TerminalOutput.writeAll(2, "\r\u{1B}[K") }
        if json {
            let doc = JSON.object([
                ("start", .string(UTCTime.iso(start))), ("end", .string(UTCTime.iso(end))),
                ("checks", .array((wanted + (second == nil ? [] : [.against])).map { .string($0.rawValue) })),
                ("against", against.map { .string($0) } ?? .null), ("pairs", .int(Int64(pairs.count))),
                ("counts", .object(Finding.counts(findings).map { ($0.severity.rawValue, .int(Int64($0.count))) })),
                ("findings", .array(findings.map(\.json))),
            ])
            print(doc.text())
        } else {
            print(
                "Verifying \(pairs.count) pair(s), \(UTCTime.iso(start)) to \(UTCTime.iso(end)); checks: \(wanted.map(\.rawValue).joined(separator: ", "))\(against.map { "; against \($0)" } ?? "")"
            )
            for x in findings { print(x.line) }
            print("Findings: " + Finding.countsText(findings))
        }
        if findings.contains(where: { $0.severity == .error }) { throw CLIFailure(message: "", exitCode: 1) }
    }

    /// The `--against` provider, started with its `--against-option`s (nil without `--against`).
    func secondVendor(_ settings: Settings) throws(CLIFailure) -> SecondVendor? {
        guard let against else {
            if !againstOptions.isEmpty { throw CLIFailure.usage("--against-option goes with --against") }
            return nil
        }
        let options = try ProviderOptions.keyValues(againstOptions, flag: "--against-option")
        let presenter = Presenter(format: .text, quiet: false, secrets: ProcessEnvironment.secretValues)
        let registry = try plugins.registry(settings, logger: presenter.logger(verbose: plugins.verbose))
        do {
            let started = try Setup.provider(
                named: against, configuration: options, settings: settings, registry: registry, hide: { presenter.output.hide($0) })
            var vendor = SecondVendor(instance: started.instance)
            if TerminalOutput.stderrIsTerminal {
                // On a terminal, one line that says where the fetch is (stdout stays the findings).
                vendor.progress = { i, n, pair in
                    let line = "\r\u{1B}[Kagainst \(against): \(pair) (\(i)/\(n))"
                    TerminalOutput.writeAll(2, line)
                }
            }
            return vendor
        } catch {
            throw .setup(error)
        }
    }
}
