import ArgumentParser
import BackfillCore
import BackfillOrchestrator
import BackfillPluginHost
import BackfillStore
import Foundation

/// `backfill run`: the nightly job.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Backfill candles, detect and refill gaps, print the completeness matrix and a summary.",
        discussion: """
            Stages: 1 fetch every symbol/timeframe (rate-limited, retried, ranges already fetched are \
            skipped unless --force); 2 detect gaps against the trading calendar and classify them \
            (fetch_failed, provider_empty, suspect); 3 refill fetch_failed and suspect gaps; 4 the \
            completeness matrix (✓ complete, ✗ holes remain, ~ only provider_empty or pending gaps); 5 summary. \
            Results go to --results as JSON (docs/results-json.md).

            Exit codes: 0 complete; 1 holes remain or some pairs failed; 2 usage or configuration error.
            """)

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @OptionGroup var selection: PairSelection
    @OptionGroup var range: RangeOptions
    @OptionGroup var db: DatabaseOptions

    @Option(help: "Where to write the results JSON.") var results: String = "backfill-results.json"
    @Option(help: "Symbol/timeframe pairs fetched at once.") var concurrency: Int = 4
    @Option(help: "Requests per second (default: the provider's declared rate).") var rate: Double?
    @Option(help: "Refill attempts for fetch_failed and suspect gaps.") var retries: Int = 2
    @Flag(help: "Fetch ranges again even when coverage says they were fetched.") var force = false
    @Option(help: "Also write what was fetched into this folder in the replay format, for offline replay.")
    var record: String?
    @Option(help: "Rows asked per request page.") var pageSize: Int = 10_000
    @Option(help: ArgumentHelp("Base of the exponential backoff between retries, in ms.", visibility: .hidden))
    var backoffMs: Int = 500
    @Option(help: "Seconds to wait for another run on the same database to finish (default: exit at once).")
    var waitLock: Int = 0
    @Flag(help: "Also fetch the symbols' splits and dividends (a stage after the candles).") var events = false

    func validate() throws {
        guard concurrency >= 1, concurrency <= 64 else { throw CLIFailure.usage("--concurrency must be 1 to 64") }
        guard retries >= 0, retries <= 20 else { throw CLIFailure.usage("--retries must be 0 to 20") }
        if let rate, !(rate > 0 && rate.isFinite) { throw CLIFailure.usage("--rate must be a number above 0 (requests per second)") }
        guard pageSize >= 1 else { throw CLIFailure.usage("--page-size must be at least 1") }
        guard backoffMs >= 0, waitLock >= 0 else { throw CLIFailure.usage("--backoff-ms and --wait-lock must be >= 0") }
    }

    func run() async throws {
        let (start, end) = try range.resolve()
        let timeframes = try selection.timeframeList()
        let url = try db.url()
        let store: any CandleStore
        do { store = try Stores.open(url) } catch { throw CLIFailure.store(error) }
        let symbols = try selection.resolveSymbols(store)
        let registry = plugins.registry()
        for failure in registry.failures where plugins.verbose { Terminal.printError("warning: plugin \(failure)") }
        let instance = try provider.instance(registry: registry)

        try await acquireLock(store, url)
        defer { try? store.unlockRun() }

        var options = RunOptions(symbols: symbols, timeframes: timeframes, start: start, end: end)
        options.concurrency = concurrency
        options.rate = rate
        options.gapRetries = retries
        options.force = force
        options.pageSize = pageSize
        (options.settleMs, options.now) = try range.settle()
        options.retryPolicy = RetryPolicy(base: .milliseconds(backoffMs))
        let observer = ConsoleObserver()
        observer.banner("MASTER BACKFILL STARTED")
        observer.line(
            "Loaded \(symbols.count) symbol\(symbols.count == 1 ? "" : "s") from \(url); provider \(instance.provider.name) \(instance.provider.version)"
        )
        observer.line(
            "Range: \(UTCTime.iso(start)) to \(UTCTime.iso(end)) (end exclusive); timeframes: \(timeframes.map(\.rawValue).joined(separator: " "))"
        )

        let runId: Int64? = try? store.beginRun(startedAt: UTCTime.now(), options: optionsText(url, instance.provider, start, end))
        let orchestrator = Orchestrator(instance: instance, store: StoreWriter(store), observer: observer, options: options)
        var report = await orchestrator.run()
        report.options = optionsDictionary(url, instance.provider, start, end)
        observer.finishProgress()
        if events {
            observer.stage("STAGE 3b: CORPORATE EVENTS")
            let fetcher = EventFetcher(
                instance: instance, store: orchestrator.store, limiter: orchestrator.limiter,
                retryPolicy: options.retryPolicy, observer: observer)
            for outcome in await fetcher.fetch(symbols, start: start, end: end + 366 * UTCTime.msPerDay) {
                report.summary.requests += outcome.requests
                if let error = outcome.error {
                    report.errors.append("\(outcome.symbol) events: \(error)")
                    report.summary.exitCode = 1
                }
            }
        }

        if let record {
            do { try Recorder.write(report: report, store: store, to: record) } catch {
                report.errors.append("record: \(error)")
                Terminal.printError("warning: could not record to \(record): \(error)")
            }
        }

        observer.stage("DATA COMPLETENESS MATRIX")
        observer.line(MatrixPrinter.text(report: report))
        printSummary(report, observer)

        let document = ResultsJSON.document(report)
        if let runId {
            try? store.finishRun(
                runId, finishedAt: report.summary.finishedAt, status: report.summary.exitCode == 0 ? "complete" : "incomplete",
                summary: document.text())
        }
        try AtomicFile.write(document.text(indent: 2) + "\n", to: results)
        observer.line("Results written to \(results)")
        if report.summary.exitCode != 0 { throw CLIFailure(message: "", exitCode: report.summary.exitCode) }
    }

    private func acquireLock(_ store: any CandleStore, _ url: DatabaseURL) async throws {
        let deadline = UTCTime.now() + Int64(waitLock) * 1000
        while true {
            let locked: Bool
            do { locked = try store.tryLockRun() } catch { throw CLIFailure.store(error) }
            if locked { return }
            if UTCTime.now() >= deadline {
                throw CLIFailure.failed(
                    "another backfill run is using \(url); exiting (use --wait-lock SECONDS to wait for it)")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    private func optionsDictionary(_ url: DatabaseURL, _ provider: LoadedProvider, _ start: Int64, _ end: Int64) -> [String: String] {
        var d = [
            "provider": provider.name, "database": url.description, "start": UTCTime.iso(start), "end": UTCTime.iso(end),
            "concurrency": String(concurrency), "retries": String(retries), "force": String(force),
            "page_size": String(pageSize), "settle_hours": NumberFormat.decimal(range.settleHours),
        ]
        if let rate { d["rate"] = String(rate) }
        if let record { d["record"] = record }
        // Every provider option's value in this run: the one given, else the provider's declared
        // default (so a run records adjusted=false even when nobody passed it); secret ones masked.
        let given = (try? self.provider.configuration()) ?? [:]
        let effective = provider.effectiveOptions(given)
        if !effective.isEmpty {
            d["provider_options"] = effective.keys.sorted().map { "\($0)=\(effective[$0] ?? "")" }.joined(separator: ",")
        }
        return d
    }

    private func optionsText(_ url: DatabaseURL, _ provider: LoadedProvider, _ start: Int64, _ end: Int64) -> String {
        JSON.object(optionsDictionary(url, provider, start, end).sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).text()
    }

    private func printSummary(_ report: RunReport, _ observer: ConsoleObserver) {
        let s = report.summary
        observer.stage("BACKFILL SUMMARY")
        observer.line("Duration: \(Orchestrator.duration(Double(s.finishedAt - s.startedAt) / 1000))")
        observer.line("Symbols Processed: \(s.symbolsProcessed)")
        observer.line("  Successful: \(s.symbolsSuccessful)")
        observer.line("  Failed: \(s.symbolsFailed)")
        observer.line(
            "Requests: \(s.requests) (retries \(s.retries), rate-limit waits \(s.rateLimitWaits), throttled \(s.throttledRequests))")
        let detected = GapClass.allCases.map { "\($0.rawValue) \(s.gapsDetected[$0] ?? 0)" }.joined(separator: ", ")
        observer.line("Gaps Detected: \(s.gapsDetected.values.reduce(0, +)) (\(detected))")
        observer.line("Gaps Filled: \(s.gapsFilled)")
        observer.line("Gaps Remaining: \(s.gapsRemaining)")
        observer.line("Total Candles Inserted: \(Orchestrator.group(s.candlesInserted))")
        observer.line("Total Candles Updated: \(Orchestrator.group(s.candlesUpdated))")
        observer.line("Bad Rows Rejected: \(s.badRowsRejected)")
        observer.rule()
    }
}

/// Which pairs: `--symbols` (else the active registry) × `--timeframes` (else all eight).
struct PairSelection: ParsableArguments {
    @Option(help: "Comma-separated symbols (default: the active symbols in the store).") var symbols: String?
    @Option(help: "Comma-separated timeframes (default: 1m,5m,15m,30m,1h,4h,1d,1w).") var timeframes: String?

    func timeframeList() throws(CLIFailure) -> [Timeframe] {
        guard let timeframes else { return Timeframe.allCases }
        do { return try Timeframe.parseList(timeframes) } catch { throw .usage(error.message) }
    }

    /// The symbols with their registry records; every symbol named must be registered.
    func resolveSymbols(_ store: any CandleStore) throws(CLIFailure) -> [SymbolRecord] {
        try Self.resolve(symbols, store)
    }

    /// `symbols` (comma-separated, or nil for the active registry) with their registry records.
    static func resolve(_ symbols: String?, _ store: any CandleStore) throws(CLIFailure) -> [SymbolRecord] {
        let registry: [SymbolRecord]
        do { registry = try store.symbols(activeOnly: false) } catch { throw .store(error) }
        guard let symbols else {
            let active = registry.filter(\.active)
            guard !active.isEmpty else {
                throw .usage("no symbols to backfill; add one first: backfill symbols add AAPL --asset-class stock")
            }
            return active
        }
        let wanted: [Symbol]
        do { wanted = try Symbol.parseList(symbols) } catch { throw .usage(error.message) }
        let byName = Dictionary(uniqueKeysWithValues: registry.map { ($0.symbol, $0) })
        return try wanted.map { s throws(CLIFailure) in
            guard let r = byName[s] else {
                throw .usage(
                    "symbol '\(s)' is not in the registry; add it with: backfill symbols add \(s) --asset-class stock|etf|crypto|forex|index"
                )
            }
            return r
        }
    }
}

/// The time range: `--days N` back from today 00:00 UTC, or `--start`/`--end`.
struct RangeOptions: ParsableArguments {
    @Option(help: "Days back from today 00:00 UTC (default 365).") var days: Int?
    @Option(help: "Start (UTC, inclusive): YYYY-MM-DD[THH:MM[:SS]] or epoch ms; a bare date is its midnight.")
    var start: String?
    @Option(help: "End (UTC, exclusive); default today 00:00 UTC.") var end: String?
    @Option(
        help: """
            Hours before now that count as not yet settled: a vendor's answer is final only for older bars, \
            so missing bars younger than this are 'pending' and asked for again by the next run (0: off).
            """)
    var settleHours: Double = 24
    @Option(help: ArgumentHelp("Pretend now is this UTC time (for the settle window; tests).", visibility: .hidden))
    var clock: String?

    /// Where the settle window starts (nil: off), for `gaps` and `matrix`.
    func settleFrom() throws(CLIFailure) -> Int64? {
        let (ms, now) = try settle()
        return GapDetector.settleStart(now: now, windowMs: ms)
    }

    /// The settle window's length and the run's clock.
    func settle() throws(CLIFailure) -> (ms: Int64, now: Int64) {
        guard settleHours >= 0, settleHours <= 24 * 366, settleHours.isFinite else {
            throw .usage("--settle-hours must be 0 to 8784")
        }
        var now = UTCTime.now()
        if let clock {
            do { now = try UTCTime.parse(clock) } catch { throw .usage("--clock: \(error.message)") }
        }
        return (Int64(settleHours * 3_600_000), now)
    }

    func resolve() throws(CLIFailure) -> (Int64, Int64) {
        if days != nil && start != nil { throw .usage("give --days or --start, not both") }
        do {
            let today = UTCTime.floorDiv(UTCTime.now(), UTCTime.msPerDay) * UTCTime.msPerDay
            let e = try end.map { t throws(InputError) in try UTCTime.parse(t) } ?? today
            let s: Int64
            if let start {
                s = try UTCTime.parse(start)
            } else {
                let n = days ?? 365
                guard n >= 1, n <= 36_500 else { throw InputError.invalid("--days must be 1 to 36500") }
                s = e - Int64(n) * UTCTime.msPerDay
            }
            guard s < e else { throw InputError.invalid("--start (\(UTCTime.iso(s))) must be before --end (\(UTCTime.iso(e)))") }
            return (s, e)
        } catch let error as InputError {
            throw .usage(error.message)
        } catch {
            throw .usage("\(error)")
        }
    }
}

/// Writes a file by writing a temporary file beside it and renaming it over, so a reader never
/// sees half a file.
enum AtomicFile {
    static func write(_ text: String, to path: String) throws(CLIFailure) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .failed("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        var ok = true
        var copy = text
        copy.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, base + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ok = false; break }
                offset += n
            }
        }
        let why = String(cString: strerror(errno))
        if !ok || fsync(fd) != 0 {
            close(fd)
            unlink(tmp)
            throw .failed("cannot write '\(path)': \(why)")
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw .failed("cannot write '\(path)': \(why)")
        }
    }
}
