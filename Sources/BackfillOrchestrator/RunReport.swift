public import BackfillCore

/// What happened to one symbol/timeframe in a run.
public struct PairReport: Sendable {
    public enum Status: String, Sendable, Codable {
        /// Every expected bar is present.
        case complete
        /// Only provider_empty gaps remain.
        case emptyGaps = "empty_gaps"
        /// fetch_failed or suspect gaps remain.
        case holes
        /// The provider refused or failed (unauthorized, not entitled, bad request, permanent).
        case failed
        /// The plan is not entitled to this data.
        case notEntitled = "not_entitled"
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
    public var expected = 0
    public var present = 0
    public var failure: String?
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
    /// 0 complete, 1 holes or failures.
    public var exitCode: Int32 = 0
}

/// Everything a run learned, for the console and the results JSON.
public struct RunReport: Sendable {
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
}
