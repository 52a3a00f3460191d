public import BackfillCore
public import BackfillStore

/// What happened to one symbol/timeframe in a run.
public struct PairReport: Sendable {
    public enum Status: String, Sendable, Codable {
        /// Every expected bar is present.
        case complete
        /// Only provider_empty or pending gaps remain.
        case emptyGaps = "empty_gaps"
        /// fetch_failed or suspect gaps remain.
        case holes
        /// The provider refused or failed (unauthorized, bad request, permanent), or the store did.
        case failed
        /// The plan is not entitled to this data.
        case notEntitled = "not_entitled"
        /// The run stopped (a signal) before this pair was fetched and checked.
        case interrupted

        /// The status a pair's remaining gaps give it.
        public init(gaps: [Gap]) {
            self = gaps.isEmpty ? .complete : (gaps.contains { $0.gapClass.isHole } ? .holes : .emptyGaps)
        }

        /// Its cell in the completeness matrix.
        public var mark: CompletenessMark {
            switch self {
            case .complete: .complete
            case .emptyGaps: .quiet
            case .holes, .failed, .notEntitled: .holes
            case .interrupted: .unchecked
            }
        }
    }

    public var symbol: Symbol
    public var timeframe: Timeframe
    public var status: Status = .complete
    public var candles = 0
    public var inserted = 0
    public var updated = 0
    public var rejected = 0
    public var requests = 0
    public var retries = 0
    public var errors: [String] = []
    public var skippedCovered = false
    /// The provider answered "no data" for at least one range.
    public var noData = false
    /// A stop came before every range of the pair was fetched.
    public var stopped = false
    public var expected = 0
    public var present = 0
    public var failure: String?

    public init(symbol: Symbol, timeframe: Timeframe) {
        self.symbol = symbol
        self.timeframe = timeframe
    }

    public var key: PairKey { PairKey(symbol, timeframe) }

    /// Share of expected bars present, 0...100.
    public var percent: Double { expected == 0 ? 100 : Double(present) * 100 / Double(expected) }

    /// Adds what a refill of the pair fetched.
    mutating func absorb(_ other: PairReport) {
        candles += other.candles
        inserted += other.inserted
        updated += other.updated
        requests += other.requests
        retries += other.retries
        rejected += other.rejected
        errors += other.errors
        stopped = stopped || other.stopped
    }
}

/// How a run ended, as the runs table and the results document record it.
public enum RunStatus: String, Sendable {
    /// Still going (only ever seen in the runs table).
    case running
    /// Every pair complete (exit code 0).
    case complete
    /// Holes remain or something failed (exit code 1).
    case incomplete
    /// Stopped by a signal or a request before it finished (exit code 130 or 143).
    case interrupted
    /// Left `running` by a process that no longer holds the run lock (it was killed).
    case abandoned
}

/// The totals of a run.
public struct RunSummary: Sendable {
    public var startedAt: Int64 = 0
    public var finishedAt: Int64 = 0
    public var symbolsProcessed = 0
    public var symbolsSuccessful = 0
    public var symbolsFailed = 0
    public var pairs = 0
    public var requests = 0
    public var retries = 0
    public var rateLimitWaits = 0
    public var throttledRequests = 0
    public var gapsDetected: [GapClass: Int] = [:]
    public var gapsFilled = 0
    public var gapsRemaining = 0
    public var candlesInserted = 0
    public var candlesUpdated = 0
    public var badRowsRejected = 0
    public var status: RunStatus = .running
    /// 0 complete, 1 holes or failures, 130/143 interrupted.
    public var exitCode: Int32 = 0

    public init() {}

    /// Seconds from start to finish.
    public var seconds: Double { Double(finishedAt - startedAt) / 1000 }
}

/// What one symbol's corporate-events fetch found.
public struct EventOutcome: Sendable {
    public var symbol: Symbol
    public var splits = 0
    public var dividends = 0
    /// Events the store did not hold before.
    public var added = 0
    public var requests = 0
    public var error: String?

    public init(symbol: Symbol) { self.symbol = symbol }
}

/// What computing one pair's features did.
public struct FeatureOutcome: Sendable {
    public var pair: PairKey
    /// Bars computed (0: the store holds no candles for the pair).
    public var processed = 0
    public var counts = WriteCounts()
    /// Seconds reading candles, in the kernels, writing features.
    public var read = 0.0, compute = 0.0, write = 0.0
    public var error: String?

    public init(pair: PairKey) { self.pair = pair }
}

/// The totals of a features job.
public struct FeatureSummary: Sendable {
    public var outcomes: [FeatureOutcome] = []
    public var symbols = 0
    public var seconds = 0.0
    public var kernels = ""
    /// Pairs the job was asked for whose store holds no candles.
    public var empty: [PairKey] { outcomes.filter { $0.processed == 0 && $0.error == nil }.map(\.pair) }
    public var failedSymbols: Set<Symbol> { Set(outcomes.filter { $0.error != nil }.map(\.pair.symbol)) }
    public var processed: Int { outcomes.reduce(0) { $0 + $1.processed } }

    public init() {}
}

/// Everything a run learned, for the observers, the results document and the runs table.
public struct RunReport: Sendable {
    public var runId: Int64?
    public var summary = RunSummary()
    public var pairs: [PairReport] = []
    public var gapsDetected: [Gap] = []
    public var gapsRemaining: [Gap] = []
    public var errors: [String] = []
    public var options: [String: String] = [:]
    public var symbols: [Symbol] = []
    public var timeframes: [Timeframe] = []
    public var rangeStart: Int64 = 0
    public var rangeEnd: Int64 = 0
    public var provider = ""
    /// Why the run stopped early (nil: it ran to the end).
    public var stopReason: RunStop.Reason?
    /// The events stage's outcomes (empty when it did not run).
    public var events: [EventOutcome] = []
    /// The features stage's totals (nil when it did not run).
    public var features: FeatureSummary?
    /// Where the results document was written (nil: not asked, or it failed).
    public var resultsPath: String?
    /// Why the results document could not be written.
    public var resultsError: String?

    public init() {}
}
