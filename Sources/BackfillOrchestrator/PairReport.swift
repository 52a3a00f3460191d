public import BackfillCore

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
