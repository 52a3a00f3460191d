import BackfillCalendar
public import BackfillCore
public import BackfillOrchestrator
public import BackfillPluginHost
public import BackfillSettings
public import BackfillStore
public import Logging

/// What every front end (`backfill run` and the other commands, the server's API and scheduler)
/// does between its settings and the work: open the store, load the plugins, start the
/// provider, resolve the pairs and the range. The front ends only map their flags or fields onto
/// ``Settings``; the answers, and the messages for mistakes, are the same for all of them.
public enum Setup {
    // MARK: The store

    /// The database the settings name (`database.url`, default `sqlite:backfill.sqlite`).
    public static func databaseURL(_ settings: Settings) throws(SetupError) -> DatabaseURL {
        let text: String
        do { text = try settings.string("database.url") ?? DatabaseURL.defaultURL } catch { throw .settings(error) }
        do { return try DatabaseURL.parse(text) } catch { throw .usage(error.message) }
    }

    /// Opens the store at `url` (creating or migrating the schema), retrying a lost connection
    /// for `database.retry_seconds`.
    public static func openStore(_ url: DatabaseURL, _ settings: Settings) throws(SetupError) -> any CandleStore {
        let retry: Double
        let partition: CandlePartitioning
        do {
            retry = try settings.double("database.retry_seconds") ?? Stores.defaultRetrySeconds
            partition = CandlePartitioning(rawValue: try settings.string("database.partition") ?? "none") ?? .none
        } catch {
            throw .settings(error)
        }
        do { return try Stores.open(url, retrySeconds: retry, partition: partition) } catch { throw .store(error) }
    }

    // MARK: Plugins and the provider

    /// Where plugins run (`plugins.isolation`, `request_timeout`, `memory_limit_mb`): the
    /// `backfill` executable itself starts the children.
    public static func isolation(_ settings: Settings, maxConsecutiveFaults: Int = 3) throws(SetupError) -> PluginIsolation {
        do throws(SettingsError) {
            guard try settings.string("plugins.isolation") != "none", let helper = PluginRegistry.executablePath() else { return .none }
            let memory = try settings.int("plugins.memory_limit_mb") ?? 0
            if memory > 0 && memory < 256 {
                throw settings.mistake(
                    "plugins.memory_limit_mb", "must be at least 256 MiB (a child needs that much to start), or 0 (got \(memory))")
            }
            return .process(
                ProcessIsolation(
                    helper: helper, requestTimeout: try settings.double("plugins.request_timeout") ?? 300, memoryLimitMB: memory,
                    maxConsecutiveFaults: maxConsecutiveFaults))
        } catch {
            throw .settings(error)
        }
    }

    /// Loads the plugins from `plugins.dirs`, `BACKFILL_PLUGIN_PATH` and the executable's folder;
    /// plugins log through `logger`.
    public static func registry(
        _ settings: Settings, environment: [String: String], logger: Logger, maxConsecutiveFaults: Int = 3
    ) throws(SetupError) -> PluginRegistry {
        let dirs: [String]
        do { dirs = try settings.list("plugins.dirs") ?? [] } catch { throw .settings(error) }
        return PluginRegistry(
            pluginDirs: dirs, environment: environment, executableDir: PluginRegistry.executableDirectory(), logger: logger,
            isolation: try isolation(settings, maxConsecutiveFaults: maxConsecutiveFaults))
    }

    /// The sample folder in the source tree this binary was built from: the replay provider's
    /// data when nothing names a folder.
    public static let bundledSamples: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/Plugins/Replay/Samples"
    }()

    /// The chosen provider's name (`provider.name`, default `replay`).
    public static func providerName(_ settings: Settings) throws(SetupError) -> String {
        do { return try settings.string("provider.name") ?? "replay" } catch { throw .settings(error) }
    }

    /// The provider's options from every layer; for replay, the bundled samples when nothing
    /// names a folder.
    public static func providerConfiguration(_ settings: Settings) throws(SetupError) -> [String: String] {
        var config = settings.providerOptions()
        if try providerName(settings) == "replay", config["root"] == nil { config["root"] = bundledSamples }
        return config
    }

    /// A started provider, with what it was configured with.
    public struct Provider: Sendable {
        public let instance: ProviderInstance
        public let configuration: [String: String]
    }

    /// Starts an instance of the chosen provider. `hide` is told the values of the options the
    /// provider declares secret before anything can print them; a configuration file that
    /// holds one of them must be private.
    ///
    /// - Parameter vet: called with the provider's name once it is found, before the instance
    ///   is made (a front end refuses its own options that do not fit it).
    public static func provider(
        _ settings: Settings, registry: PluginRegistry, hide: ([String]) -> Void, vet: (String) throws(SetupError) -> Void = { _ in }
    ) throws(SetupError) -> Provider {
        try provider(
            named: try providerName(settings), configuration: try providerConfiguration(settings), settings: settings, registry: registry,
            hide: hide, vet: vet)
    }

    /// Starts an instance of provider `name` with `config` (a second provider beside the chosen
    /// one: `verify --against`); otherwise as ``provider(_:registry:hide:vet:)``.
    public static func provider(
        named name: String, configuration config: [String: String], settings: Settings, registry: PluginRegistry,
        hide: ([String]) -> Void, vet: (String) throws(SetupError) -> Void = { _ in }
    ) throws(SetupError) -> Provider {
        let loaded: LoadedProvider
        do { loaded = try registry.provider(named: name) } catch { throw .usage(error.description) }
        try vet(name)
        let secret = Set(loaded.options.filter(\.secret).map(\.name))
        do { try settings.file?.checkPrivate(secrets: secret.sorted().map { "provider.options.\($0)" }) } catch { throw .settings(error) }
        var config = config
        if name == "replay", config["root"] == nil { config["root"] = bundledSamples }
        hide(config.filter { secret.contains($0.key) }.map(\.value))
        do {
            return Provider(instance: try loaded.makeInstance(configuration: config), configuration: config)
        } catch {
            throw .usage("provider '\(name)': \(error.message)")
        }
    }

    // MARK: Pairs and ranges

    /// `run.timeframes`, else all eight.
    public static func timeframes(_ settings: Settings) throws(SetupError) -> [Timeframe] {
        let list: [String]
        do { list = try settings.list("run.timeframes") ?? [] } catch { throw .settings(error) }
        guard !list.isEmpty else { return Timeframe.allCases }
        do { return try Timeframe.parseList(list.joined(separator: ",")) } catch {
            throw .settings(settings.listMistake("run.timeframes", error))
        }
    }

    /// `run.symbols` with their registry records (every one must be registered), else the
    /// active registry.
    public static func symbols(_ store: any CandleStore, _ settings: Settings) throws(SetupError) -> [SymbolRecord] {
        let list: [String]?
        do { list = try settings.list("run.symbols") } catch { throw .settings(error) }
        return try symbols(list.map { $0.joined(separator: ",") }, store)
    }

    /// `names` (comma-separated, or nil for the active registry) with their registry records.
    public static func symbols(_ names: String?, _ store: any CandleStore) throws(SetupError) -> [SymbolRecord] {
        let registry: [SymbolRecord]
        do { registry = try store.symbols(activeOnly: false) } catch { throw .store(error) }
        guard let names else {
            let active = registry.filter(\.active)
            guard !active.isEmpty else {
                throw .usage("no symbols to backfill; add one first: backfill symbols add AAPL --asset-class stock")
            }
            return active
        }
        let wanted: [Symbol]
        do { wanted = try Symbol.parseList(names) } catch { throw .usage(error.message) }
        let byName = Dictionary(uniqueKeysWithValues: registry.map { ($0.symbol, $0) })
        return try wanted.map { s throws(SetupError) in
            guard let r = byName[s] else {
                throw .usage(
                    "symbol '\(s)' is not in the registry; add it with: backfill symbols add \(s) --asset-class stock|etf|crypto|forex|index"
                )
            }
            return r
        }
    }

    /// The range: `start`/`end` (UTC, end exclusive; end defaults to today 00:00 UTC), else
    /// `run.days` back from the end. `names` are how the caller calls its start and end (flags
    /// or fields), for messages.
    public static func range(
        _ settings: Settings, start: String?, end: String?, names: (start: String, end: String) = ("--start", "--end")
    ) throws(SetupError) -> (Int64, Int64) {
        let days: Int
        do { days = try settings.int("run.days") ?? 365 } catch { throw .settings(error) }
        do throws(InputError) {
            let today = UTCTime.floorDiv(UTCTime.now(), UTCTime.msPerDay) * UTCTime.msPerDay
            let e = try end.map { t throws(InputError) in try UTCTime.parse(t) } ?? today
            let s = try start.map { t throws(InputError) in try UTCTime.parse(t) } ?? (e - Int64(days) * UTCTime.msPerDay)
            guard s < e else {
                throw InputError.invalid("\(names.start) (\(UTCTime.iso(s))) must be before \(names.end) (\(UTCTime.iso(e)))")
            }
            return (s, e)
        } catch {
            throw .usage(error.message)
        }
    }

    /// The settle window's length (`run.settle_hours`) and the clock it is measured from:
    /// `clock` (tests pretend a time), else now.
    public static func settle(_ settings: Settings, clock: String?) throws(SetupError) -> (ms: Int64, now: Int64) {
        let hours: Double
        do { hours = try settings.double("run.settle_hours") ?? 24 } catch { throw .settings(error) }
        var now = UTCTime.now()
        if let clock {
            do { now = try UTCTime.parse(clock) } catch { throw .usage("--clock: \(error.message)") }
        }
        return (Int64(hours * 3_600_000), now)
    }
}

extension Setup {
    /// Which pairs and range a report covers, and what the store holds of them.
    public struct Completeness: Sendable {
        public let symbols: [Symbol]
        public let timeframes: [Timeframe]
        public let range: (Int64, Int64)
        public let cells: [PairKey: PairCompleteness]
    }

    /// The completeness of the settings' pairs (`run.symbols` × `run.timeframes`) over the range
    /// (`start`/`end`, else `run.days`), from the store alone (`matrix`, `gaps`, `report`, the
    /// server's matrix and gaps).
    ///
    /// - Parameters:
    ///   - provider: count only this provider's coverage and use its bar stamping (loaded from
    ///     `registry`); nil: any provider's coverage, 4h bars from 00:00 UTC.
    ///   - clock: pretend now is this time (the settle window; tests).
    ///   - sessions: also each session's counts (the calendar heatmaps of `report --html` and
    ///     the dashboard).
    public static func completeness(
        _ settings: Settings, store: any CandleStore, start: String?, end: String?, provider: String?,
        registry: () throws(SetupError) -> PluginRegistry,
        clock: String? = nil, names: (start: String, end: String) = ("--start", "--end"), sessions: Bool = false
    ) throws(SetupError) -> Completeness {
        let range = try range(settings, start: start, end: end, names: names)
        let timeframes = try timeframes(settings)
        let symbols = try symbols(store, settings)
        var stamping = BarStamping()
        if let provider {
            let plugins = try registry()
            do { stamping = BarStamping(fourHourFromNewYorkMidnight: try plugins.provider(named: provider).fourHourAnchorNewYork) } catch {
                throw .usage(error.description)
            }
        }
        let (ms, now) = try settle(settings, clock: clock)
        var detector = GapDetector(stamping: stamping, provider: provider, settleFrom: GapDetector.settleStart(now: now, windowMs: ms))
        detector.keepSessions = sessions
        do {
            let cells = try detector.detect(store: store, symbols: symbols, timeframes: timeframes, start: range.0, end: range.1)
            return Completeness(symbols: symbols.map(\.symbol), timeframes: timeframes, range: range, cells: cells)
        } catch {
            throw .store(error)
        }
    }
}
