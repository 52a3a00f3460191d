/// A request budget: every provider request waits for a slot from one.
public protocol RequestLimiter: Sendable {
    /// Requests per second (0: unlimited).
    var rate: Double { get }
    /// Waits for the next request slot.
    func acquire() async throws
    /// Stops all requests until `delay` from now (a provider's retry-after).
    func pause(for delay: Duration) async
    /// Requests that had to wait for their slot.
    var throttled: Int { get async }
    /// Pauses imposed by rate-limited answers.
    var pauses: Int { get async }
}

/// One request-rate budget shared by every task that talks to a provider (GCRA: each request is
/// given the next free slot `1/rate` seconds after the previous one; no bursts beyond `burst`).
///
/// A rate-limited answer pauses everyone until its retry-after has passed.
public actor RateLimiter: RequestLimiter {
    public nonisolated let rate: Double
    private let interval: Duration
    private let burst: Int
    private var nextSlot: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant
    private let clock = ContinuousClock()
    /// Requests that had to wait for their slot.
    public private(set) var throttled = 0
    /// Pauses imposed by rate-limited answers.
    public private(set) var pauses = 0
    /// Every slot handed out, for tests that check the rate was kept.
    public private(set) var grants: [ContinuousClock.Instant] = []
    private let keepGrants: Bool

    /// - Parameters:
    ///   - rate: requests per second; 0 or less means unlimited.
    ///   - burst: how many requests may go at once after an idle spell (1 = strictly spaced).
    public init(rate: Double, burst: Int = 1, keepGrants: Bool = false) {
        self.rate = rate
        self.burst = max(1, burst)
        interval = rate > 0 ? .nanoseconds(Int64(1e9 / rate)) : .zero
        nextSlot = ContinuousClock().now
        pausedUntil = nextSlot
        self.keepGrants = keepGrants
    }

    /// Waits for the next request slot.
    public func acquire() async throws {
        let now = clock.now
        var slot = max(now, pausedUntil)
        if rate > 0 {
            // Allow `burst` slots of credit after idling, never more.
            let earliest = now - interval * (burst - 1)
            slot = max(slot, max(nextSlot, earliest))
            nextSlot = slot + interval
        }
        if keepGrants { grants.append(slot) }
        if slot > now {
            throttled += 1
            try await Task.sleep(until: slot, clock: clock)
        }
        // A retry-after that came while this task slept holds it back too.
        while pausedUntil > clock.now { try await Task.sleep(until: pausedUntil, clock: clock) }
    }

    /// Stops all requests until `delay` from now (a provider's retry-after).
    public func pause(for delay: Duration) {
        pauses += 1
        let until = clock.now + delay
        if until > pausedUntil { pausedUntil = until }
    }
}
