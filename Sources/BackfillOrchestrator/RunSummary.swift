internal import BackfillCore

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
