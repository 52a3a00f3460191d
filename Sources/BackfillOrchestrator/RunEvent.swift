public import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// Everything an engine reports while it works. Observers present these (console text, a
/// progress line, JSON log lines, metrics); the engine formats no text for any of them.
public enum RunEvent: Sendable {
    case runStarted(Started)
    case stageStarted(RunStage)
    case stageFinished(RunStage)
    case pageFetched(Page)
    case pairFinished(PairReport)
    case gapsDetected(PairKey, [Gap])
    case detectionFailed(PairKey, String)
    case gapRefill(GapRefill)
    case retry(Retry)
    /// A provider call returned: one per request, retries included (for metrics; not logged).
    case requestAnswered(RequestAnswer)
    case rateLimitWait(RateLimitWait)
    case rowsRejected(RowsRejected)
    /// The database connection was lost, or is back (the store retries; docs/operations.md).
    case database(ConnectionEvent)
    /// A symbol's chain of tickers, as the provider reported it before the fetch.
    case tickerChain(TickerCheck)
    /// The verify stage's findings, by pair and bar (none: every pair passed).
    case verified([Finding])
    case eventsStarted(EventsStarted)
    case eventsFetched(EventOutcome)
    case eventsFinished([EventOutcome])
    case featuresStarted(FeaturesStarted)
    case featuresComputed(FeatureOutcome)
    case featuresFinished(FeatureSummary)
    /// `--record` wrote these files into `folder`.
    case recorded(folder: String, files: Int)
    /// Rows a dead process left `running` in the runs table, now marked abandoned.
    case abandonedRuns(Int)
    /// A distributed run's jobs so far (the coordinator's view while workers fetch).
    case jobsProgress(JobsProgress)
    /// A stop was asked for (signal or API); the run ends cleanly after the page in flight.
    case stopRequested(RunStop.Reason)
    /// Something worth a user's attention that is not a failure of a pair.
    case warning(String)
    case runFinished(RunReport)
}

extension RunEvent {
    /// What a run set out to do, known before the first request.
    public struct Started: Sendable {
        public var runId: Int64?
        public var provider: String
        public var providerVersion: String
        /// The database, password redacted.
        public var database: String
        public var symbols: Int
        public var timeframes: [Timeframe]
        public var start: Int64
        public var end: Int64
        public var pairs: Int
        /// Ranges coverage does not hold yet (what the fetch stage asks for).
        public var ranges: Int
        /// Requests the fetch stage expects to make (one per page of the provider's page size).
        public var plannedRequests: Int
        /// Requests per second the limiter allows (0: unlimited).
        public var rate: Double
        /// What that rate implies for the planned requests, in seconds (nil when unlimited).
        public var minimumSeconds: Double? { rate > 0 ? Double(plannedRequests) / rate : nil }
    }

    /// One page the provider delivered and the store committed, with the run's totals so far.
    public struct Page: Sendable {
        public var pair: PairKey
        public var stage: RunStage
        /// Rows the page delivered (after validation).
        public var candles: Int
        public var inserted: Int
        public var updated: Int
        /// Requests made so far in this run (retries included).
        public var requestsDone: Int
        /// Requests the fetch stage planned (refills and pagination beyond the estimate add more).
        public var requestsPlanned: Int
        /// Candles stored so far in this run.
        public var candlesDone: Int
        /// The limiter's rate (requests per second; 0 unlimited), for an ETA.
        public var rate: Double
    }

    /// A request that will be tried again: why, which attempt, and how long until then.
    public struct Retry: Sendable {
        /// What was asked: "SPY/1d" or "SPY events".
        public var subject: String
        public var kind: ProviderError.Kind
        public var message: String
        /// The retry about to be made (1-based) and the budget.
        public var attempt: Int
        public var maxRetries: Int
        public var wait: Duration
        /// Whether the wait came from the provider (retry-after) rather than the backoff.
        public var providerAsked: Bool

        public init(
            subject: String, kind: ProviderError.Kind, message: String, attempt: Int, maxRetries: Int, wait: Duration, providerAsked: Bool
        ) {
            self.subject = subject
            self.kind = kind
            self.message = message
            self.attempt = attempt
            self.maxRetries = maxRetries
            self.wait = wait
            self.providerAsked = providerAsked
        }
    }

    /// How far the workers are with a stage's jobs.
    public struct JobsProgress: Sendable {
        public var stage: RunStage
        public var total: Int
        public var done: Int
        public var failed: Int
        /// Held by a worker now.
        public var claimed: Int
    }

    /// One answer of the provider: `ok`, or the error's kind (`no_data`, `rate_limited`, ...).
    public struct RequestAnswer: Sendable {
        public var subject: String
        public var status: String
        public var seconds: Double
    }

    /// A rate-limited answer pausing every request of the run.
    public struct RateLimitWait: Sendable {
        public var subject: String
        public var wait: Duration
        public var reason: String
    }

    /// Rows a page had that failed validation (never stored).
    public struct RowsRejected: Sendable {
        public var pair: PairKey
        public var count: Int
        /// The first rejected row's stamp and what was wrong with it.
        public var firstTs: Int64
        public var problem: String
    }

    /// A refill attempt of one gap, and how it ended.
    public struct GapRefill: Sendable {
        public enum Phase: Sendable {
            /// About to refetch the gap.
            case started
            /// Every bar of the gap is present now; `candles` were fetched in the attempt.
            case filled(candles: Int)
            /// Bars of it are still missing after the attempt.
            case stillMissing(bars: Int)
        }
        public var pair: PairKey
        public var gap: Gap
        public var attempt: Int
        public var maxAttempts: Int
        public var phase: Phase
    }

    /// A standalone or in-run features job starting.
    public struct FeaturesStarted: Sendable {
        public var pairs: Int
        public var symbols: Int
        /// The kernel path in use ("avx2").
        public var kernels: String
        /// Pairs computed at once.
        public var concurrency: Int
        /// True for `backfill features`, false for a run's features stage.
        public var standalone: Bool
    }

    /// A standalone or in-run events job starting.
    public struct EventsStarted: Sendable {
        public var provider: String
        public var symbols: Int
        public var standalone: Bool
        /// False when the provider serves no splits or dividends (nothing is asked).
        public var supported: Bool
    }
}
