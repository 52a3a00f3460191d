/// Exponential backoff with full jitter, bounded.
public struct RetryPolicy: Sendable {
    /// Retries of one request after its first try (transient and rate-limited answers).
    public var maxRetries: Int
    public var base: Duration
    public var cap: Duration

    public init(maxRetries: Int = 5, base: Duration = .milliseconds(500), cap: Duration = .seconds(30)) {
        self.maxRetries = maxRetries
        self.base = base
        self.cap = cap
    }

    /// The wait before retry number `attempt` (1-based): uniform in [base/2, min(cap, base·2^(attempt-1))].
    public func delay(attempt: Int) -> Duration {
        let ceiling = min(cap, base * (1 << min(20, attempt - 1)))
        let floor = base / 2
        guard ceiling > floor else { return ceiling }
        let span = (ceiling - floor).components
        let spanNs = Double(span.seconds) * 1e9 + Double(span.attoseconds) / 1e9
        return floor + .nanoseconds(Int64(Double.random(in: 0...spanNs)))
    }
}
