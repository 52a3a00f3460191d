public import BackfillCore
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
    /// The verify stage: `backfill verify`'s checks on every pair's stored bars in the range,
    /// after the refills; an error finding makes the run incomplete.
    public var verify = false
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
    /// Fetch through workers (`backfill worker`) sharing a PostgreSQL job queue instead of in
    /// this process: the fetch and refill stages become jobs; the rest is this process's.
    public var distributed = false

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
