public import BackfillCore
import BackfillFeatures
public import BackfillOrchestrator
import BackfillPluginHost
public import BackfillSettings
public import BackfillStore
public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a run is asked for beyond its settings: the things that are about one run, not the
/// setup (a range given by its ends, `--force`, `--record`), from `backfill run`'s flags, a
/// `POST /api/v1/runs` body or a schedule.
public struct RunRequest: Sendable, Equatable {
    /// Start (UTC, inclusive); nil: `run.days` back from the end.
    public var start: String?
    /// End (UTC, exclusive); nil: today 00:00 UTC.
    public var end: String?
    /// Fetch ranges again even when coverage says they were fetched.
    public var force = false
    /// Also write what was fetched into this folder in the replay format.
    public var record: String?
    /// Pretend now is this UTC time (the settle window; tests).
    public var clock: String?
    /// The base of the exponential backoff between retries.
    public var backoff: Duration = .milliseconds(500)
    /// Crashes or timeouts of the provider in a row after which it is not called again.
    public var maxProviderFaults = 3
    /// How the request names its start and end, for messages.
    public var names: (start: String, end: String) = ("--start", "--end")

    public init() {}

    public static func == (a: RunRequest, b: RunRequest) -> Bool {
        a.start == b.start && a.end == b.end && a.force == b.force && a.record == b.record && a.clock == b.clock
            && a.backoff == b.backoff && a.maxProviderFaults == b.maxProviderFaults
    }
}

extension Setup {
    /// The run's options: the pairs and range given, the rest from the settings (`run.*`).
    public static func runOptions(
        _ settings: Settings, _ request: RunRequest, symbols: [SymbolRecord], timeframes: [Timeframe], range: (Int64, Int64)
    ) throws(SetupError) -> RunOptions {
        var options = RunOptions(symbols: symbols, timeframes: timeframes, start: range.0, end: range.1)
        do throws(SettingsError) {
            options.concurrency = try settings.int("run.concurrency") ?? 4
            options.rate = try settings.double("run.rate")
            options.gapRetries = try settings.int("run.retries") ?? 2
            options.pageSize = try settings.int("run.page_size") ?? 10_000
            options.events = try settings.bool("run.events")
            options.verify = try settings.bool("run.verify")
            options.features = try settings.bool("run.features")
            options.resultsPath = try settings.string("run.results") ?? "backfill-results.json"
            options.waitLockSeconds = try settings.int("run.wait_lock") ?? 0
            options.distributed = try settings.bool("run.distributed")
        } catch {
            throw .settings(error)
        }
        if options.features, let problem = FeatureKernels.environmentProblem(settings.environment["BACKFILL_KERNELS"]) {
            throw .usage(problem)
        }
        (options.settleMs, options.now) = try settle(settings, clock: request.clock)
        options.force = request.force
        options.record = request.record
        options.retryPolicy = RetryPolicy(base: request.backoff)
        options.featureConcurrency = try featureConcurrency(settings)
        return options
    }

    /// What a features job (`backfill features`, a schedule's features job) works on.
    public struct FeatureWork {
        public let store: any CandleStore
        /// A second connection to the same database, for the job's reads (they overlap its writes).
        public let reader: any CandleStore
        /// The selected symbols × timeframes.
        public let pairs: [PairKey]
        /// Pairs computed at once.
        public let concurrency: Int
    }

    /// The store opened and the pairs resolved for a features job, mistakes in the settings
    /// reported before the database is touched. `hide` is told the database password first.
    public static func features(_ settings: Settings, hide: ([String]) -> Void) throws(SetupError) -> FeatureWork {
        if let problem = FeatureKernels.environmentProblem(settings.environment["BACKFILL_KERNELS"]) { throw .usage(problem) }
        let timeframes = try timeframes(settings)
        let concurrency = try featureConcurrency(settings)
        let url = try databaseURL(settings)
        hide([url.password].compactMap { $0 })
        let store = try openStore(url, settings)
        let pairs = try symbols(store, settings).flatMap { s in timeframes.map { PairKey(s.symbol, $0) } }
        return FeatureWork(store: store, reader: try openStore(url, settings), pairs: pairs, concurrency: concurrency)
    }

    /// `features.concurrency`, else one pair per core.
    public static func featureConcurrency(_ settings: Settings) throws(SetupError) -> Int {
        do { return try settings.int("features.concurrency") ?? cores } catch { throw .settings(error) }
    }

    /// The processors this process may use.
    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Everything a run needs, from the settings and the request: the range and pairs resolved
    /// (a mistake in them is reported before the database is touched), the store opened, the
    /// provider started. `hide` is told every secret (the database password, the provider's
    /// secret options) before anything can print it.
    ///
    /// - Parameters:
    ///   - logger: what plugins log through.
    ///   - warn: told of every plugin file that failed to load (nil: not told).
    ///   - vet: see ``provider(_:registry:hide:vet:)``.
    public static func plan(
        _ settings: Settings, _ request: RunRequest, logger: Logger, hide: ([String]) -> Void, warn: ((String) -> Void)? = nil,
        vet: (String) throws(SetupError) -> Void = { _ in }
    ) throws(SetupError) -> RunPlan {
        let range = try range(settings, start: request.start, end: request.end, names: request.names)
        let timeframes = try timeframes(settings)
        let url = try databaseURL(settings)
        hide([url.password].compactMap { $0 })
        let store = try openStore(url, settings)
        let options = try runOptions(settings, request, symbols: try symbols(store, settings), timeframes: timeframes, range: range)
        let registry = try registry(
            settings, environment: settings.environment, logger: logger, maxConsecutiveFaults: request.maxProviderFaults)
        if let warn { for failure in registry.failures { warn("warning: plugin \(failure)") } }
        let provider = try provider(settings, registry: registry, hide: hide, vet: vet)
        return RunPlan(
            options: options, instance: provider.instance, providerConfiguration: provider.configuration, store: StoreQueue(store),
            database: url.description)
    }
}
