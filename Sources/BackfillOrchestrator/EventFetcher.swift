public import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// Fetches splits and dividends for symbols through a provider (rate-limited and retried like
/// candles) and upserts them into the corporate-events table.
public struct EventFetcher: Sendable {
    public let instance: ProviderInstance
    public let store: StoreWriter
    public let limiter: RateLimiter
    public let retryPolicy: RetryPolicy
    public let observer: any RunObserver

    public init(instance: ProviderInstance, store: StoreWriter, limiter: RateLimiter, retryPolicy: RetryPolicy, observer: any RunObserver) {
        self.instance = instance
        self.store = store
        self.limiter = limiter
        self.retryPolicy = retryPolicy
        self.observer = observer
    }

    /// What one symbol's fetch found.
    public struct Outcome: Sendable {
        public var symbol: Symbol
        public var splits = 0
        public var dividends = 0
        public var added = 0
        public var requests = 0
        public var error: String?
    }

    /// Fetches every page of events with ex dates in [start, end) for each symbol.
    public func fetch(_ symbols: [SymbolRecord], start: Int64, end: Int64) async -> [Outcome] {
        var outcomes: [Outcome] = []
        let caps = instance.provider.capabilities
        guard caps.contains(.splits) || caps.contains(.dividends) else {
            observer.line("provider '\(instance.provider.name)' serves no corporate events")
            return []
        }
        for record in symbols {
            var o = Outcome(symbol: record.symbol)
            var cursor: String?
            var attempt = 0
            var events: [StoredEvent] = []
            pages: while true {
                do { try await limiter.acquire() } catch { break }
                o.requests += 1
                do {
                    let (page, next) = try await instance.fetchEvents(
                        symbol: record.symbol, ticker: record.ticker, assetClass: record.assetClass,
                        splits: caps.contains(.splits), dividends: caps.contains(.dividends), start: start, end: end,
                        cursor: cursor)
                    attempt = 0
                    events += page.map { StoredEvent(symbol: record.symbol, provider: instance.provider.name, event: $0) }
                    guard let next else { break pages }
                    cursor = next
                } catch {
                    if error.isRetryable && attempt < retryPolicy.maxRetries {
                        attempt += 1
                        let wait: Duration = error.retryAfterMs.map { .milliseconds($0) } ?? retryPolicy.delay(attempt: attempt)
                        if error.kind == .rateLimited { await limiter.pause(for: wait) }
                        observer.warning("\(record.symbol) events: \(error.kind.rawValue), retry \(attempt)/\(retryPolicy.maxRetries)")
                        try? await Task.sleep(for: wait)
                        continue pages
                    }
                    o.error = "\(error.kind.rawValue): \(error.message)"
                    break pages
                }
            }
            o.splits = events.filter { $0.kind == .split }.count
            o.dividends = events.count - o.splits
            if o.error == nil || !events.isEmpty {
                let batch = events
                do { o.added = try await store.run { try $0.upsertEvents(batch) } } catch {
                    o.error = "storage: \(error.message)"
                }
            }
            observer.line(
                o.error.map { "  \(record.symbol): ✗ \($0)" }
                    ?? "  \(record.symbol): \(o.splits) split\(o.splits == 1 ? "" : "s"), \(o.dividends) dividend\(o.dividends == 1 ? "" : "s") (\(o.added) new)"
            )
            outcomes.append(o)
        }
        return outcomes
    }
}
