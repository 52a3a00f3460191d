internal import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// Fetches splits and dividends for symbols through a provider (rate-limited and retried like
/// candles, through the same ``ProviderCaller``) and upserts them into the corporate-events table.
/// `backfill events` and the run's events stage both use it.
public struct EventFetcher: Sendable {
    public let instance: ProviderInstance
    public let store: StoreQueue
    public let caller: ProviderCaller

    public init(instance: ProviderInstance, store: StoreQueue, caller: ProviderCaller) {
        self.instance = instance
        self.store = store
        self.caller = caller
    }

    /// Fetches every page of events with ex dates in [start, end) for each symbol, one symbol
    /// after the other; a stop ends it after the request in flight.
    ///
    /// - Parameter standalone: true for `backfill events` (for the observers' presentation).
    public func fetch(_ symbols: [SymbolRecord], start: Int64, end: Int64, standalone: Bool) async -> [EventOutcome] {
        let caps = instance.provider.capabilities
        let supported = caps.contains(.splits) || caps.contains(.dividends)
        caller.emit(
            .eventsStarted(
                RunEvent.EventsStarted(
                    provider: instance.provider.name, symbols: symbols.count, standalone: standalone, supported: supported)))
        guard supported else { return [] }
        var outcomes: [EventOutcome] = []
        for record in symbols {
            guard !Task.isCancelled else { break }
            let o = await fetch(record, start: start, end: end, splits: caps.contains(.splits), dividends: caps.contains(.dividends))
            caller.emit(.eventsFetched(o))
            outcomes.append(o)
        }
        caller.emit(.eventsFinished(outcomes))
        return outcomes
    }

    private func fetch(_ record: SymbolRecord, start: Int64, end: Int64, splits: Bool, dividends: Bool) async -> EventOutcome {
        var o = EventOutcome(symbol: record.symbol)
        var cursor: String?
        var events: [StoredEvent] = []
        let instance = self.instance
        pages: while true {
            let from = cursor
            let call = await caller.call("\(record.symbol) events") { () async throws(ProviderError) in
                try await instance.fetchEvents(
                    symbol: record.symbol, ticker: record.ticker, assetClass: record.assetClass, splits: splits,
                    dividends: dividends, start: start, end: end, cursor: from)
            }
            o.requests += call.requests
            switch call.result {
            case .success(let (page, next))?:
                events += page.map { StoredEvent(symbol: record.symbol, provider: instance.provider.name, event: $0) }
                guard let next, !call.stopped else { break pages }
                cursor = next
            case .failure(let error)?:
                if !call.stopped { o.error = error.description }
                break pages
            case nil:
                break pages
            }
        }
        o.splits = events.filter { $0.kind == .split }.count
        o.dividends = events.count - o.splits
        if !events.isEmpty {
            let batch = events
            do { o.added = try await store.run { try $0.upsertEvents(batch) } } catch {
                o.error = "storage: \(error.message)"
            }
        }
        return o
    }
}
