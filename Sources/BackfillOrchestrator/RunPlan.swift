public import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// What a run does: which pairs, which range, how hard to try, which optional stages.
public struct RunOptions: Sendable {
    public var symbols: [SymbolRecord]
    public var timeframes: [Timeframe]
    /// Inclusive, epoch ms UTC.
    public var start: Int64
    /// Exclusive.
    public var end: Int64
    /// Pairs fetched at once.
    public var concurrency: Int = 4
    /// Requests per second; nil = the provider's declared default.
    public var rate: Double?
    /// Refill attempts for fetch_failed and suspect gaps.
    public var gapRetries: Int = 2
    /// Fetch ranges coverage already holds.
    public var force = false
    public var retryPolicy = RetryPolicy()
    /// Rows asked per page (capped by the provider's maximum).
    public var pageSize = 10_000
    /// The settle window: a vendor's answer counts as final only for bars that were at least this
    /// old when it was given. Coverage is not recorded for younger bars, so a session the vendor
    /// had only partly published is asked for again by the next run; its missing bars meanwhile
    /// are `pending`. 0 turns it off.
    public var settleMs: Int64 = 24 * 3_600_000
    /// The run's clock (tests set it).
    public var now: Int64 = UTCTime.now()
    /// The events stage: splits and dividends of the run's symbols (ex dates from the range's
    /// start to a year after its end, for declared dividends).
    public var events = false
    /// The features stage: recompute the features of every pair whose candles changed.
    public var features = false
    /// Pairs whose features are computed at once.
    public var featureConcurrency = 2
    /// Also write what the run stored into this folder in the replay format.
    public var record: String?
    /// Where the results document goes (nil: only into the runs table).
    public var resultsPath: String?
    /// How long to wait for another run on the same database to release the run lock.
    public var waitLockSeconds = 0

    /// Where the settle window starts: coverage ends there, younger missing bars are pending
    /// (nil when the window is off).
    public var settleFrom: Int64? { GapDetector.settleStart(now: now, windowMs: settleMs) }

    /// The pairs, symbol-major, in the order they are reported.
    public var pairs: [(record: SymbolRecord, timeframe: Timeframe)] {
        symbols.flatMap { s in timeframes.map { (s, $0) } }
    }

    public init(symbols: [SymbolRecord], timeframes: [Timeframe], start: Int64, end: Int64) {
        self.symbols = symbols
        self.timeframes = timeframes
        self.start = start
        self.end = end
    }
}

/// Everything the engine needs for one run: the options, the provider instance (with the
/// configuration it was made with), the store.
public struct RunPlan: Sendable {
    public var options: RunOptions
    public var instance: ProviderInstance
    /// The options the provider instance was made with, as given (recorded with secrets masked).
    public var providerConfiguration: [String: String]
    public var store: StoreQueue
    /// The database as people see it (password redacted).
    public var database: String

    public init(
        options: RunOptions, instance: ProviderInstance, providerConfiguration: [String: String], store: StoreQueue, database: String
    ) {
        self.options = options
        self.instance = instance
        self.providerConfiguration = providerConfiguration
        self.store = store
        self.database = database
    }

    /// The run's settings as the results document and the runs row record them: every provider
    /// option's value (the one given, else the declared default, so a run records
    /// `adjusted=false` even when nobody passed it), secret ones masked.
    public var recorded: [String: String] {
        let o = options
        var d = [
            "provider": instance.provider.name, "database": database, "start": UTCTime.iso(o.start), "end": UTCTime.iso(o.end),
            "concurrency": String(o.concurrency), "retries": String(o.gapRetries), "force": String(o.force),
            "page_size": String(o.pageSize), "settle_hours": NumberFormat.decimal(Double(o.settleMs) / 3_600_000),
            "events": String(o.events), "features": String(o.features),
        ]
        if let rate = o.rate { d["rate"] = String(rate) }
        if let record = o.record { d["record"] = record }
        let effective = instance.provider.effectiveOptions(providerConfiguration)
        if !effective.isEmpty {
            d["provider_options"] = effective.keys.sorted().map { "\($0)=\(effective[$0] ?? "")" }.joined(separator: ",")
        }
        return d
    }
}
