import ArgumentParser
import BackfillCore
import BackfillFeatures
import BackfillMetrics
import BackfillOrchestrator
import BackfillPluginHost
import BackfillPresentation
import BackfillSettings
import BackfillSetup
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

    @OptionGroup var arguments: RunArguments
    var output: OutputOptions { arguments.output }

    func run() async throws {
        let settings = try await arguments.settings()
        let presenter = try output.presenter(settings, section: "run")
        let plan: RunPlan
        do {
            plan = try Setup.plan(
                settings, arguments.request, logger: presenter.logger(verbose: arguments.plugins.verbose),
                hide: { presenter.output.hide($0) }, warn: arguments.plugins.verbose ? { presenter.output.err($0) } : nil,
                vet: arguments.provider.vet)
        } catch {
            throw CLIFailure.setup(error)
        }
        var cliPlan = plan
        cliPlan.trigger = "cli"
        let metricsFile: String?
        do { metricsFile = try settings.string("run.metrics_file") } catch { throw CLIFailure.settings(error) }
        let metrics = metricsFile.map { _ in Metrics() }
        let engine = RunEngine(plan: cliPlan, observers: presenter.observers + (metrics.map { [$0.observer()] } ?? []))
        let signals = StopSignals { engine.requestStop($0) }
        defer { signals.cancel() }
        let report: RunReport
        do { report = try await engine.run() } catch { throw CLIFailure(message: error.message, exitCode: error.exitCode) }
        if let metrics, let metricsFile {
            if let bars = try? await plan.store.run({ try $0.newestBars() }) { metrics.updateSeries(bars) }
            do { try AtomicFile.write(metrics.text, to: metricsFile) } catch {
                throw CLIFailure.failed("--metrics-file \(metricsFile): \(error.message)")
            }
        }
        if report.summary.exitCode != 0 {
            throw CLIFailure(message: report.resultsError ?? "", exitCode: report.summary.exitCode)
        }
    }
}

/// Every flag `run` takes; `backfill config show` takes them too, to show what a run would use.
struct RunArguments: ParsableArguments {
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var provider: ProviderOptions
    @OptionGroup var selection: PairSelection
    @OptionGroup var range: RangeOptions
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var flags: RunFlags
    @OptionGroup var config: ConfigOption

    /// What the flags ask of this one run beyond its settings.
    var request: RunRequest {
        var r = RunRequest()
        r.start = range.start
        r.end = range.end
        r.clock = range.clock
        r.force = flags.force
        r.record = flags.record
        r.backoff = .milliseconds(flags.backoffMs)
        r.maxProviderFaults = plugins.maxProviderFaults
        return r
    }

    /// The settings: these flags over the environment over the file over the defaults.
    func settings() async throws(CLIFailure) -> Settings {
        var f = Settings.Flags()
        db.flags(&f)
        plugins.flags(&f)
        provider.flags(&f)
        selection.flags(&f)
        range.flags(&f)
        output.flags(&f, section: "run")
        flags.flags(&f)
        return try await config.load(f)
    }
}

/// `run`'s own flags (settings `run.*`).
struct RunFlags: ParsableArguments {
    @Option(help: "Where to write the results JSON (default backfill-results.json).") var results: String?
    @Option(help: "Symbol/timeframe pairs fetched at once (default 4).") var concurrency: Int?
    @Option(help: "Requests per second (default: the provider's declared rate).") var rate: Double?
    @Option(help: "Refill attempts for fetch_failed and suspect gaps (default 2).") var retries: Int?
    @Flag(help: "Fetch ranges again even when coverage says they were fetched.") var force = false
    @Option(help: "Also write what was fetched into this folder in the replay format, for offline replay.")
    var record: String?
    @Option(help: "Rows asked per request page (default 10000).") var pageSize: Int?
    @Option(help: ArgumentHelp("Base of the exponential backoff between retries, in ms.", visibility: .hidden))
    var backoffMs: Int = 500
    @Option(help: "Seconds to wait for another run on the same database to finish (default: exit at once).")
    var waitLock: Int?
    @Option(
        help: ArgumentHelp(
            "Also write the run's metrics (as /metrics of backfill serve) to this file, atomically: a node-exporter textfile.",
            valueName: "file"))
    var metricsFile: String?
    @Flag(help: "Also fetch the symbols' splits and dividends (a stage after the refills).") var events = false
    @Flag(help: "Also check the pairs' stored bars after the refills (backfill verify's checks; an error finding is exit code 1).")
    var verify = false
    @Flag(
        help:
            "Fetch through backfill workers instead of this process: the fetch and refill stages become jobs in the PostgreSQL database's queue; gap detection, the matrix and the results stay here."
    )
    var distributed = false
    @Flag(help: "Also compute the features of every pair whose candles this run changed (a stage after the refills).")
    var features = false

    func validate() throws {
        guard backoffMs >= 0 else { throw CLIFailure.usage("--backoff-ms must be >= 0") }
    }

    func flags(_ f: inout Settings.Flags) {
        f.set("run.results", results, flag: "--results")
        f.set("run.concurrency", concurrency, flag: "--concurrency")
        f.set("run.rate", rate, flag: "--rate")
        f.set("run.retries", retries, flag: "--retries")
        f.set("run.page_size", pageSize, flag: "--page-size")
        f.set("run.wait_lock", waitLock, flag: "--wait-lock")
        f.set("run.metrics_file", metricsFile, flag: "--metrics-file")
        f.set("run.events", flag: events, flag: "--events")
        f.set("run.verify", flag: verify, flag: "--verify")
        f.set("run.distributed", flag: distributed, flag: "--distributed")
        f.set("run.features", flag: features, flag: "--features")
    }
}
