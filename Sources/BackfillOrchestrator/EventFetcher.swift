internal import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// Fetches splits, dividends and earnings reports for symbols through a provider (rate-limited
/// and retried like candles, through the same ``ProviderCaller``) and upserts them into the
/// corporate-events table. `backfill events` and the run's events stage both use it.
///
/// Earnings (a provider with the earnings capability, ABI 1.2) are asked for in requests of their
/// own, after the splits and dividends: a plan without them (not entitled) is a note on the
/// symbol, not a failure, and what the other requests found is kept.
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
        let supported = !caps.isDisjoint(with: [.splits, .dividends, .earnings])
        caller.emit(
            .eventsStarted(
                RunEvent.EventsStarted(
                    provider: instance.provider.name, symbols: symbols.count, standalone: standalone, supported: supported)))
        guard supported else { return [] }
        var outcomes: [EventOutcome] = []
        for record in symbols {
            guard !Task.isCancelled else { break }
            let o = await fetch(
                record, start: start, end: end, splits: caps.contains(.splits), dividends: caps.contains(.dividends),
                earnings: caps.contains(.earnings))
            caller.emit(.eventsFetched(o))
            outcomes.append(o)
        }
        caller.emit(.eventsFinished(outcomes))
        return outcomes
    }

    private func fetch(_ record: SymbolRecord, start: Int64, end: Int64, splits: Bool, dividends: Bool, earnings: Bool) async
        -> EventOutcome
    {
        var o = EventOutcome(symbol: record.symbol)
        var events: [StoredEvent] = []
        if splits || dividends {
            let failure = await pages(record, start, end, splits: splits, dividends: dividends, earnings: false, &o, &events)
            if let failure { o.error = failure.description }
        }
        if earnings && o.error == nil && !Task.isCancelled {
            let failure = await pages(record, start, end, splits: false, dividends: false, earnings: true, &o, &events)
            if let failure {
                if failure.kind == .notEntitled {
                    o.earningsNotEntitled = failure.message
                } else {
                    o.error = "earnings: \(failure.description)"
                }
            }
        }
        o.splits = events.filter { $0.kind == .split }.count
        o.dividends = events.filter { $0.kind == .dividend }.count
        o.earnings = events.filter { $0.kind == .earnings }.count
        if !events.isEmpty {
            let batch = events
            do { o.added = try await store.run { try $0.upsertEvents(batch) } } catch {
                o.error = "storage: \(error.message)"
            }
        }
        return o
    }

    /// Every page of one request group into `events`; the failure that ended it (a stop ends it
    /// without one).
    private func pages(
        _ record: SymbolRecord, _ start: Int64, _ end: Int64, splits: Bool, dividends: Bool, earnings: Bool, _ o: inout EventOutcome,
        _ events: inout [StoredEvent]
    ) async -> ProviderError? {
        var cursor: String?
        let instance = self.instance
        while true {
            let from = cursor
            let call = await caller.call("\(record.symbol) \(earnings ? "earnings" : "events")") { () async throws(ProviderError) in
                try await instance.fetchEvents(
                    symbol: record.symbol, ticker: record.ticker, assetClass: record.assetClass, splits: splits,
                    dividends: dividends, earnings: earnings, start: start, end: end, cursor: from)
            }
            o.requests += call.requests
            switch call.result {
            case .success(let (page, next))?:
                events += page.map { StoredEvent(symbol: record.symbol, provider: instance.provider.name, event: $0) }
                guard let next, !call.stopped else { return nil }
                cursor = next
            case .failure(let error)?:
                return call.stopped ? nil : error
            case nil:
                return nil
            }
        }
    }
}
