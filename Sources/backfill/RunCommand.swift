import ArgumentParser
import BackfillCore
import BackfillFeatures
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillStore

/// `backfill run`: the nightly job. It builds the run's plan, hands it to the engine with the
/// observers its output options chose, and exits with the engine's status.
struct Run: AsyncParsableCommand, PresentingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Backfill candles, detect and refill gaps, print the completeness matrix and a summary.",
        discussion: """
            Stages: 1 fetch every symbol/timeframe (rate-limited, retried, ranges already fetched are \
            skipped unless --force); 2 detect gaps against the trading calendar and classify them \
            (fetch_failed, provider_empty, suspect, pending); 3 refill fetch_failed and suspect gaps; \
            then, when asked, splits and dividends (--events) and the features of the pairs that changed \
            (--features); the completeness matrix (✓ complete, ✗ holes remain, ~ only provider_empty or \
            pending gaps); the summary. Results go to --results as JSON (docs/results-json.md) and into \
            the runs table (backfill runs).

            SIGINT or SIGTERM stops cleanly: no new request, the page in flight is stored, gap detection \
            and refills are skipped, the matrix, summary and results are written with status \
            "interrupted". A second signal exits at once.

            Exit codes: 0 complete; 1 holes remain or some pairs failed; 2 usage or configuration error; \
            130 interrupted by SIGINT; 143 interrupted by SIGTERM.
            """)

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @OptionGroup var selection: PairSelection
    @OptionGroup var range: RangeOptions
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

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
    @Flag(help: "Also fetch the symbols' splits and dividends (a stage after the refills).") var events = false
    @Flag(help: "Also compute the features of every pair whose candles this run changed (a stage after the refills).")
    var features = false

    func validate() throws {
        guard concurrency >= 1, concurrency <= 64 else { throw CLIFailure.usage("--concurrency must be 1 to 64") }
        guard retries >= 0, retries <= 20 else { throw CLIFailure.usage("--retries must be 0 to 20") }
        if let rate, !(rate > 0 && rate.isFinite) { throw CLIFailure.usage("--rate must be a number above 0 (requests per second)") }
        guard pageSize >= 1 else { throw CLIFailure.usage("--page-size must be at least 1") }
        guard backoffMs >= 0, waitLock >= 0 else { throw CLIFailure.usage("--backoff-ms and --wait-lock must be >= 0") }
    }

    func run() async throws {
        let presenter = output.presenter()
        let (start, end) = try range.resolve()
        let timeframes = try selection.timeframeList()
        if features, let problem = FeatureKernels.environmentProblem(Environment.all["BACKFILL_KERNELS"]) {
            throw CLIFailure.usage(problem)
        }
        let url = try db.url()
        presenter.output.hide([url.password].compactMap { $0 })
        let store = try db.open(url)
        let symbols = try selection.resolveSymbols(store)
        let (instance, configuration) = try provider.instance(plugins: plugins, presenter: presenter)

        var options = RunOptions(symbols: symbols, timeframes: timeframes, start: start, end: end)
        options.concurrency = concurrency
        options.rate = rate
        options.gapRetries = retries
        options.force = force
        options.pageSize = pageSize
        (options.settleMs, options.now) = try range.settle()
        options.retryPolicy = RetryPolicy(base: .milliseconds(backoffMs))
        options.events = events
        options.features = features
        options.featureConcurrency = Features.defaultConcurrency
        options.record = record
        options.resultsPath = results
        options.waitLockSeconds = waitLock
        let plan = RunPlan(
            options: options, instance: instance, providerConfiguration: configuration, store: StoreQueue(store),
            database: url.description)

        let engine = RunEngine(plan: plan, observers: presenter.observers)
        let signals = StopSignals { engine.requestStop($0) }
        defer { signals.cancel() }
        let report: RunReport
        do { report = try await engine.run() } catch { throw CLIFailure(message: error.message, exitCode: error.exitCode) }
        if report.summary.exitCode != 0 {
            throw CLIFailure(message: report.resultsError ?? "", exitCode: report.summary.exitCode)
        }
    }
}
