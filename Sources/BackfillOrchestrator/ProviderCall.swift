public import BackfillCore
public import BackfillPluginHost

/// One provider request under the host's policy, the same for candles, events, `backfill fetch`
/// and `bench provider`: a rate-limit slot, the call, and on a retryable answer (rate limited,
/// transient) a wait and another try until the retry budget is spent.
///
/// The wait is the provider's retry-after when it gave one, else exponential backoff with jitter;
/// a rate-limited answer also pauses every other request sharing the limiter for that long. A
/// call whose provider process crashed or timed out is tried once more, in a fresh process: a
/// fault that repeats is the request's, not chance.
public struct ProviderCaller: Sendable {
    public let limiter: any RequestLimiter
    public let policy: RetryPolicy
    /// Receives the retry and rate-limit events.
    public let emit: @Sendable (RunEvent) -> Void

    public init(limiter: any RequestLimiter, policy: RetryPolicy, emit: @escaping @Sendable (RunEvent) -> Void = { _ in }) {
        self.limiter = limiter
        self.policy = policy
        self.emit = emit
    }

    /// How one call ended.
    public struct Outcome<Value: Sendable>: Sendable {
        /// The answer, or the last error; nil when the task was cancelled before any answer.
        public var result: Result<Value, ProviderError>?
        /// The task was cancelled (a stop) before the call could finish: no answer counts.
        public var stopped = false
        /// Requests made (the first try and every retry).
        public var requests = 0
        public var retries = 0
    }

    /// Calls `body` until it answers, fails for good, spends the retry budget, or the task is
    /// cancelled (a stop: the wait ends at once and no further request is made).
    ///
    /// - Parameter subject: what is asked, for the events ("SPY/1d", "SPY events").
    public func call<Value: Sendable>(
        _ subject: String, _ body: @Sendable () async throws(ProviderError) -> Value
    ) async -> Outcome<Value> {
        var outcome = Outcome<Value>()
        var faultRetried = false
        while true {
            guard !Task.isCancelled else { return stopped(outcome) }
            do { try await limiter.acquire() } catch { return stopped(outcome) }
            outcome.requests += 1
            let asked = ContinuousClock.now
            do throws(ProviderError) {
                outcome.result = .success(try await body())
                answered(subject, "ok", since: asked)
                return outcome
            } catch {
                answered(subject, error.kind.rawValue, since: asked)
                outcome.result = .failure(error)
                guard error.isRetryable, outcome.retries < policy.maxRetries, !(error.isFault && faultRetried) else {
                    return outcome
                }
                // A stop came while the call was out: no retry (and none announced).
                guard !Task.isCancelled else { return stopped(outcome) }
                faultRetried = faultRetried || error.isFault
                outcome.retries += 1
                let wait = error.retryAfterMs.map { Duration.milliseconds($0) } ?? policy.delay(attempt: outcome.retries)
                if error.kind == .rateLimited {
                    await limiter.pause(for: wait)
                    emit(.rateLimitWait(RunEvent.RateLimitWait(subject: subject, wait: wait, reason: error.message)))
                }
                emit(
                    .retry(
                        RunEvent.Retry(
                            subject: subject, kind: error.kind, message: error.message, attempt: outcome.retries,
                            maxRetries: policy.maxRetries, wait: wait, providerAsked: error.retryAfterMs != nil)))
                do { try await Task.sleep(for: wait) } catch { return stopped(outcome) }
            }
        }
    }

    private func answered(_ subject: String, _ status: String, since: ContinuousClock.Instant) {
        let d = ContinuousClock.now - since
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        emit(.requestAnswered(RunEvent.RequestAnswer(subject: subject, status: status, seconds: seconds)))
    }

    private func stopped<Value>(_ outcome: Outcome<Value>) -> Outcome<Value> {
        var o = outcome
        o.stopped = true
        return o
    }
}

extension ProviderCaller {
    /// Why ``eachPage(of:from:into:_:)`` ended before the last page.
    public struct PagesFailure: Error, CustomStringConvertible, Sendable {
        /// The provider's last answer; nil when the task was cancelled first.
        public let error: ProviderError?
        public var description: String { error?.description ?? "stopped before an answer" }
    }

    /// Every page of one request, one ``call(_:_:)`` each; `body` sees each page's rows in
    /// `batch` (replaced by the next page). A no-data answer ends it without a page.
    ///
    /// - Returns: the requests made (retries included).
    /// - Throws: ``PagesFailure`` with the error that ended it.
    public func eachPage(
        of request: CandleRequest, from instance: ProviderInstance, into batch: CandleBatch, _ body: (PageInfo) -> Void
    ) async throws(PagesFailure) -> Int {
        var cursor: String?
        var requests = 0
        repeat {
            let from = cursor
            let call = await self.call("\(request.symbol)/\(request.timeframe)") { () async throws(ProviderError) in
                try await instance.fetchPage(request, cursor: from, into: batch)
            }
            requests += call.requests
            switch call.result {
            case .success(let page)?:
                body(page)
                cursor = page.nextCursor
            case .failure(let error)? where error.kind == .noData:
                return requests
            case .failure(let error)?:
                throw PagesFailure(error: error)
            case nil:
                throw PagesFailure(error: nil)
            }
        } while cursor != nil
        return requests
    }
}
