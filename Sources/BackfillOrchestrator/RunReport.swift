public import BackfillCore

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
    /// The symbols whose ticker chain the run asked the provider for (before the fetch).
    public var tickerChecks: [TickerCheck] = []
    /// The verify stage's findings (nil when it did not run).
    public var findings: [Finding]?
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
