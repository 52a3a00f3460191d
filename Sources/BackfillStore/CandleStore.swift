public import BackfillCore

/// A symbol in the registry.
public struct SymbolRecord: Sendable, Equatable {
    public var symbol: Symbol
    public var assetClass: AssetClass
    public var active: Bool
    /// The provider-specific ticker (`X:BTCUSD`), when it differs from the symbol.
    public var ticker: String?
    /// When it was first added, epoch ms UTC.
    public var addedAt: Int64

    public init(symbol: Symbol, assetClass: AssetClass, active: Bool = true, ticker: String? = nil, addedAt: Int64 = 0) {
        self.symbol = symbol
        self.assetClass = assetClass
        self.active = active
        self.ticker = ticker
        self.addedAt = addedAt
    }
}

/// What was learned about a time range of one symbol/timeframe from one provider.
public struct CoverageRecord: Sendable, Equatable {
    /// How the range ended up.
    public enum Outcome: String, Sendable, CaseIterable {
        /// The provider answered and every bar it had is stored.
        case fetched
        /// The provider answered and had no bars at all in the range (known empty).
        case empty
        /// The provider failed for the range.
        case failed
    }

    public var start: Int64
    public var end: Int64
    public var provider: String
    public var outcome: Outcome
    /// Epoch ms UTC.
    public var recordedAt: Int64
    /// Short detail for failures (status and message, never a secret).
    public var detail: String?
    /// The ticker the range was asked for under when it was not the symbol's own (an earlier
    /// ticker of a renamed symbol); nil for the symbol's own.
    public var ticker: String?
    /// The run that recorded it (nil: written outside a run, or before schema 8).
    public var runId: Int64?
    /// The provider's id of the request that answered (the last page's, for a range several
    /// pages filled), when the provider gives one (Polygon's `request_id`).
    public var requestId: String?

    public init(
        start: Int64, end: Int64, provider: String, outcome: Outcome, recordedAt: Int64, detail: String? = nil, ticker: String? = nil,
        runId: Int64? = nil, requestId: String? = nil
    ) {
        self.ticker = ticker
        self.runId = runId
        self.requestId = requestId
        self.start = start
        self.end = end
        self.provider = provider
        self.outcome = outcome
        self.recordedAt = recordedAt
        self.detail = detail
    }
}

/// Aligned stored bars of one UTC day (see ``CandleStore/dayCounts(symbol:timeframe:start:end:step:)``).
public struct DayCount: Sendable, Equatable {
    /// Days since 1970-01-01.
    public var day: Int64
    public var count: Int
    public var first: Int64
    public var last: Int64

    public init(day: Int64, count: Int, first: Int64, last: Int64) {
        self.day = day
        self.count = count
        self.first = first
        self.last = last
    }
}

/// How many rows a write added and how many already existed (and were updated where they differed).
/// The feature kernels' stream state after bar `ts` of a series, its `bars`-th bar, computed on
/// kernel path `path` (BackfillFeatures.FeatureStream's bytes, opaque to the store).
public struct FeatureCheckpoint: Sendable, Equatable {
    public var ts: Int64
    public var bars: Int
    public var path: String
    public var state: [UInt8]
    public init(ts: Int64, bars: Int, path: String, state: [UInt8]) {
        self.ts = ts
        self.bars = bars
        self.path = path
        self.state = state
    }
}

public struct WriteCounts: Sendable, Equatable {
    public var inserted: Int
    public var updated: Int
    /// Of the updated rows, those whose stored values changed (each kept in `revisions`).
    public var revised: Int
    public init(inserted: Int = 0, updated: Int = 0, revised: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.revised = revised
    }
    public static func += (a: inout WriteCounts, b: WriteCounts) {
        a.inserted += b.inserted
        a.updated += b.updated
        a.revised += b.revised
    }
}

/// Who wrote a batch of candles: recorded with every stored bar the batch changes.
public struct CandleSource: Sendable, Equatable {
    public var provider: String
    public var runId: Int64?
    public init(provider: String, runId: Int64?) {
        self.provider = provider
        self.runId = runId
    }

    /// Who a write's revisions are recorded as: `source`, else the provider and run of its
    /// coverage record, else nobody (provider "").
    static func of(_ source: CandleSource?, _ coverage: CoverageRecord?) -> CandleSource {
        source ?? CandleSource(provider: coverage?.provider ?? "", runId: coverage?.runId)
    }
}

/// A stored bar that a later write changed: its values before and after, who changed it, when.
public struct CandleRevision: Sendable, Equatable {
    public var symbol: Symbol
    public var timeframe: Timeframe
    public var old: Candle
    public var new: Candle
    public var provider: String
    public var runId: Int64?
    /// Epoch ms UTC.
    public var recordedAt: Int64

    public var ts: Int64 { new.ts }

    /// A revision from a row of ``Schema/revisionSelect(_:byRun:)``, through the backend's column readers.
    static func fromRow(
        text: (Int) -> String?, isNull: (Int) -> Bool, int: (Int) -> Int64, double: (Int) -> Double
    ) -> CandleRevision? {
        guard let symbol = try? Symbol(text(0) ?? ""), let tf = Timeframe(rawValue: text(1) ?? "") else { return nil }
        func candle(_ c: Int) -> Candle {
            Candle(
                ts: int(2), open: double(c), high: double(c + 1), low: double(c + 2), close: double(c + 3), volume: double(c + 4),
                vwap: isNull(c + 5) ? nil : double(c + 5), trades: isNull(c + 6) ? nil : int(c + 6))
        }
        return CandleRevision(
            symbol: symbol, timeframe: tf, old: candle(6), new: candle(13), provider: text(3) ?? "", runId: isNull(4) ? nil : int(4),
            recordedAt: int(5))
    }
}

/// A stored corporate event: the event, for which symbol, from which provider. Reads of the
/// event's fields go straight through (`stored.exDate`).
@dynamicMemberLookup
public struct StoredEvent: Sendable, Equatable {
    public var symbol: Symbol
    public var provider: String
    public var event: CorporateEvent

    public init(symbol: Symbol, provider: String, event: CorporateEvent) {
        self.symbol = symbol
        self.provider = provider
        self.event = event
    }

    public subscript<T>(dynamicMember field: KeyPath<CorporateEvent, T>) -> T { event[keyPath: field] }

    /// The values of ``Schema/eventColumns`` as text (both backends take numbers as text): nil
    /// for NULL (an unknown date or figure, and the earnings columns of a split or dividend).
    var rowValues: [String?] {
        let e = event
        func number(_ v: Double) -> String? { v.isNaN ? nil : "\(v)" }
        let x = e.earnings
        return [
            e.kind.rawValue, String(e.exDate), "\(e.splitFrom)", "\(e.splitTo)", "\(e.cashAmount)", e.currency,
            e.payDate.map(String.init), e.recordDate.map(String.init), e.declarationDate.map(String.init), provider,
            x?.time.rawValue, x.flatMap { $0.fiscalYear == 0 ? nil : String($0.fiscalYear) }, x?.fiscalPeriod,
            x.flatMap { number($0.epsEstimate) }, x.flatMap { number($0.epsActual) }, x.flatMap { number($0.revenueEstimate) },
            x.flatMap { number($0.revenueActual) }, e.ticker,
        ]
    }

    /// An event from a row of ``Schema/eventSelect(_:)``, through the backend's column readers.
    static func fromRow(
        symbol: Symbol, text: (Int) -> String?, isNull: (Int) -> Bool, int: (Int) -> Int64, double: (Int) -> Double
    ) -> StoredEvent {
        func date(_ c: Int) -> Int64? { isNull(c) ? nil : int(c) }
        func figure(_ c: Int) -> Double { isNull(c) ? .nan : double(c) }
        let kind = CorporateEvent.Kind(rawValue: text(0) ?? "") ?? .split
        let earnings =
            kind == .earnings
            ? CorporateEvent.Earnings(
                time: CorporateEvent.Earnings.Time(rawValue: text(10) ?? "") ?? .unknown, fiscalYear: isNull(11) ? 0 : Int(int(11)),
                fiscalPeriod: text(12) ?? "", epsEstimate: figure(13), epsActual: figure(14), revenueEstimate: figure(15),
                revenueActual: figure(16)) : nil
        return StoredEvent(
            symbol: symbol, provider: text(9) ?? "",
            event: CorporateEvent(
                kind: kind, exDate: int(1), splitFrom: double(2), splitTo: double(3), cashAmount: double(4), currency: text(5) ?? "",
                payDate: date(6), recordDate: date(7), declarationDate: date(8), earnings: earnings,
                ticker: kind == .tickerChange ? text(17) : nil))
    }
}

/// The storage contract both backends obey (proven by one test suite run against each).
///
/// A store is used from one task at a time (it owns one connection). Every write is an idempotent
/// upsert. ``write(_:symbol:timeframe:coverage:)`` commits the candles and their coverage record
/// in one transaction, so after a crash coverage never claims a range whose candles are missing.
public protocol CandleStore: ServiceStore {
    /// "sqlite" or "postgres".
    var backend: String { get }
    /// The schema version this database is at.
    func schemaVersion() throws(StoreError) -> Int

    // Symbols
    /// Adds symbols or updates their asset class / ticker (reactivating them); returns how many were new.
    func upsertSymbols(_ records: [SymbolRecord]) throws(StoreError) -> Int
    /// The registry, sorted by symbol.
    func symbols(activeOnly: Bool) throws(StoreError) -> [SymbolRecord]
    /// Marks symbols inactive (their history is kept); returns how many were active.
    func deactivate(_ symbols: [Symbol]) throws(StoreError) -> Int

    // Candles
    /// Upserts a batch of validated candles (ascending ts) and, in the same transaction, a coverage
    /// record. A stored bar whose values the batch changes keeps its old values in `revisions`,
    /// recorded as `source`'s (else the coverage's provider and run).
    func write(
        _ batch: CandleBatch, symbol: Symbol, timeframe: Timeframe, coverage: CoverageRecord?, source: CandleSource?
    ) throws(StoreError) -> WriteCounts
    /// The revisions of bars in [start, end) (of one run's writes when `runId` is given), by
    /// symbol, timeframe and bar.
    func revisions(start: Int64, end: Int64, runId: Int64?) throws(StoreError) -> [CandleRevision]
    /// Records coverage alone (e.g. a range the provider answered empty or failed).
    func recordCoverage(_ record: CoverageRecord, symbol: Symbol, timeframe: Timeframe) throws(StoreError)
    /// Coverage records of a series overlapping [start, end), ordered by start.
    func coverage(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64) throws(StoreError) -> [CoverageRecord]
    /// Streams stored candles in [start, end) in time order, `batchSize` rows per call of `body`
    /// (the batch is reused between calls).
    func readCandles(
        symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, batchSize: Int,
        _ body: (CandleBatch) throws -> Void
    ) throws
    /// The first `batch.capacity` stored candles at or after `start`, in time order, with only
    /// what the feature kernels read (ts, open, high, low, close; the batch's other columns are
    /// left as they were): one chunk of a streaming features job. Returns how many (`batch.count`).
    func readPrices(symbol: Symbol, timeframe: Timeframe, from start: Int64, into batch: CandleBatch) throws(StoreError) -> Int
    /// Stored bar timestamps in [start, end), ascending (for gap detection).
    func timestamps(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64) throws(StoreError) -> [Int64]
    /// Stored bars of a series in [start, end) stamped on a multiple of `step` ms from 1970 (where
    /// intraday bars start), per UTC day: how many, and the first and last such stamp, for every
    /// day that has one, ascending. One aggregate query over the primary key (store-side gap
    /// detection compares these with the calendar instead of reading every stamp).
    func dayCounts(symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, step: Int64) throws(StoreError) -> [DayCount]
    /// Until ``endSeriesSnapshot()``, a read of a series that does not exist answers "nothing
    /// stored" from a list of every series taken now, without asking the database (for reads of
    /// many pairs, most of them empty: a matrix, a run's gap detection). Writes are unaffected.
    func beginSeriesSnapshot() throws(StoreError)
    /// Ends ``beginSeriesSnapshot()``.
    func endSeriesSnapshot()
    /// The newest stored bar of every series that has one (one index probe per series).
    func newestBars() throws(StoreError) -> [(symbol: Symbol, timeframe: Timeframe, ts: Int64)]
    /// Number of stored candles per (symbol, timeframe).
    func candleCounts() throws(StoreError) -> [(symbol: Symbol, timeframe: Timeframe, count: Int)]

    // Features
    /// Upserts feature rows (one per bar) for a series; NaN is stored as NULL.
    func writeFeatures(_ batch: FeatureBatch, symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> WriteCounts
    /// Streams stored feature rows in [start, end) in time order.
    func readFeatures(
        symbol: Symbol, timeframe: Timeframe, start: Int64, end: Int64, batchSize: Int,
        _ body: (FeatureBatch) throws -> Void
    ) throws

    // Feature checkpoints (streaming features, Schema.version5)
    /// How many writes have inserted or changed a candle of the series (0: none, or no series).
    func candleRevision(symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> Int64
    /// The newest feature checkpoint of a series. Every stored one is valid: a write that inserts
    /// or changes a candle deletes the checkpoints at or after it, in its transaction.
    func latestFeatureCheckpoint(symbol: Symbol, timeframe: Timeframe) throws(StoreError) -> FeatureCheckpoint?
    /// Stores `checkpoint` unless the series' revision is no longer `revision` (a candle changed
    /// after the computation read them: false, nothing stored). Older checkpoints are thinned to
    /// the newest of every `spacing` bars (the first `spacing` bars, the next, ...).
    func saveFeatureCheckpoint(
        _ checkpoint: FeatureCheckpoint, symbol: Symbol, timeframe: Timeframe, revision: Int64, spacing: Int
    )
        throws(StoreError) -> Bool
    /// Deletes every feature checkpoint of a series (a computation from the first bar).
    func dropFeatureCheckpoints(symbol: Symbol, timeframe: Timeframe) throws(StoreError)
    /// The last `count` stored candles at or before `through`, ascending.
    func lastCandles(symbol: Symbol, timeframe: Timeframe, through: Int64, count: Int) throws(StoreError) -> CandleBatch

    // Corporate events
    /// Upserts events; returns how many were new.
    func upsertEvents(_ events: [StoredEvent]) throws(StoreError) -> Int
    /// Stored events of a symbol, by date.
    func events(symbol: Symbol) throws(StoreError) -> [StoredEvent]
    /// Replaces the symbol's stored identity events (``CorporateEvent/Kind/identity``: ticker
    /// changes, listing and delisting) with `changes` as `provider` reported them at `checkedAt`
    /// (ms), in one transaction: a chain or a listing date the provider revised leaves no stale
    /// row behind.
    func replaceTickerChain(symbol: Symbol, provider: String, changes: [CorporateEvent], checkedAt: Int64) throws(StoreError)
    /// When `provider` last reported the symbol's ticker chain (nil: never).
    func tickerChainCheckedAt(symbol: Symbol, provider: String) throws(StoreError) -> Int64?

    // Runs
    /// Records the start of a run (status `running`); returns its id.
    ///
    /// - Parameter trigger: what started it (`cli`, `api:NAME`, `schedule:NAME`).
    func beginRun(startedAt: Int64, options: String, trigger: String?) throws(StoreError) -> Int64
    /// Records the end of a run: its finish time, status, totals and results document.
    func finishRun(_ record: RunRecord) throws(StoreError)
    /// Marks every run still `running` as `abandoned` (call it holding the run lock: no live
    /// process is then running one); returns how many it marked.
    func markAbandonedRuns(finishedAt: Int64) throws(StoreError) -> Int
    /// The newest `limit` runs with an id below `before` (all when nil), newest first.
    func runs(limit: Int, before: Int64?) throws(StoreError) -> [RunRecord]
    /// One run, with its results document.
    func run(id: Int64) throws(StoreError) -> RunRecord?

    /// Takes the database's run lock (one `backfill run` at a time); false when another holds it.
    func tryLockRun() throws(StoreError) -> Bool
    /// Releases the run lock.
    func unlockRun() throws(StoreError)
    /// Whether another connection or process holds the run lock now (without taking it).
    func runLockHeldElsewhere() throws(StoreError) -> Bool

    /// Told when the connection to the database is lost and when it is back (PostgreSQL); set it
    /// before use, from the task that uses the store.
    var connectionEvents: (@Sendable (ConnectionEvent) -> Void)? { get set }
}

extension CandleStore {
    /// ``write(_:symbol:timeframe:coverage:source:)`` whose revisions are the coverage's (or
    /// nobody's: provider "").
    public func write(_ batch: CandleBatch, symbol: Symbol, timeframe: Timeframe, coverage: CoverageRecord?) throws(StoreError)
        -> WriteCounts
    {
        try write(batch, symbol: symbol, timeframe: timeframe, coverage: coverage, source: nil)
    }

    /// A lookup costs microseconds in an embedded database: no snapshot needed.
    public func beginSeriesSnapshot() throws(StoreError) {}
    public func endSeriesSnapshot() {}

    /// Records the start of a run started from the command line.
    public func beginRun(startedAt: Int64, options: String) throws(StoreError) -> Int64 {
        try beginRun(startedAt: startedAt, options: options, trigger: nil)
    }

    /// The newest `limit` runs, newest first.
    public func runs(limit: Int) throws(StoreError) -> [RunRecord] { try runs(limit: limit, before: nil) }
}

/// How the candles table is laid out, chosen when the schema is created (`database.partition`).
public enum CandlePartitioning: String, Sendable, CaseIterable {
    /// One table.
    case none
    /// PostgreSQL only: range-partitioned by `ts`, one partition per calendar month (UTC), made as
    /// writes reach a new month; old months are dropped whole (`DROP TABLE candles_y2019m01`).
    case monthly
}

/// Opens a store for a URL, creating or migrating the schema.
public enum Stores {
    /// How long a store waits by default for a lost connection or a busy database, in seconds.
    public static let defaultRetrySeconds = 60.0

    /// Opens the database at `url` and brings its schema to the current version.
    ///
    /// - Parameter retrySeconds: how long a lost PostgreSQL connection is retried (with backoff)
    ///   and how long SQLite waits for another process's write lock, before an operation fails.
    /// - Parameter partition: the candles table's layout for a database created now; a database
    ///   that exists must already have it (monthly is PostgreSQL only).
    /// - Throws: ``StoreError`` with a one-line message (password redacted).
    public static func open(_ url: DatabaseURL, retrySeconds: Double = defaultRetrySeconds, partition: CandlePartitioning = .none)
        throws(StoreError) -> any CandleStore
    {
        switch url {
        case .sqlite(let path):
            guard partition == .none else {
                throw .configuration("database.partition \(partition.rawValue) needs PostgreSQL; SQLite keeps candles in one table")
            }
            return try SQLiteStore(path: path, busySeconds: retrySeconds)
        case .postgres: return try PostgresStore(url: url, retrySeconds: retrySeconds, partition: partition)
        }
    }
}
