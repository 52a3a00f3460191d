public import BackfillCore
public import BackfillPluginHost
public import BackfillStore

/// Fetches splits, dividends and earnings reports for symbols through a provider (rate-limited
/// and retried like candles, through the same ``ProviderCaller``) and upserts them into the
/// corporate-events table. `backfill events` and the run's events stage both use it; the run's
/// ticker step asks it for symbols' ticker chains (``tickerChain(_:)``).
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
            var kinds: Set<CorporateEvent.Kind> = []
            if caps.contains(.splits) { kinds.insert(.split) }
            if caps.contains(.dividends) { kinds.insert(.dividend) }
            let o = await fetch(record, start: start, end: end, kinds: kinds, earnings: caps.contains(.earnings))
            caller.emit(.eventsFetched(o))
            outcomes.append(o)
        }
        caller.emit(.eventsFinished(outcomes))
        return outcomes
    }

    private func fetch(_ record: SymbolRecord, start: Int64, end: Int64, kinds: Set<CorporateEvent.Kind>, earnings: Bool) async
        -> EventOutcome
    {
        var o = EventOutcome(symbol: record.symbol)
        var events: [StoredEvent] = []
        if !kinds.isEmpty {
            let failure = await pages(record, start, end, kinds, &o.requests, &events)
            if let failure { o.error = failure.description }
        }
        if earnings && o.error == nil && !Task.isCancelled {
            let failure = await pages(record, start, end, [.earnings], &o.requests, &events)
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

    /// Asks the provider (one with ticker changes) for the ticker chain of every stock and ETF
    /// symbol whose stored chain it reported `maxAge` ms ago or more (0: all), storing each and
    /// emitting a ``RunEvent/tickerChain(_:)`` per symbol; a stop ends it after the request in
    /// flight.
    public func checkTickers(_ symbols: [SymbolRecord], maxAge: Int64) async -> [TickerCheck] {
        guard !instance.provider.capabilities.isDisjoint(with: [.tickerChanges, .listings]) else { return [] }
        let (provider, now) = (instance.provider.name, UTCTime.now())
        var out: [TickerCheck] = []
        for record in symbols where record.assetClass == .stock || record.assetClass == .etf {
            guard !Task.isCancelled else { break }
            let symbol = record.symbol
            if maxAge > 0, let at = (try? await store.run { try $0.tickerChainCheckedAt(symbol: symbol, provider: provider) }) ?? nil,
                now - at < maxAge
            {
                continue
            }
            let (identity, requests, error) = await tickerChain(record)
            if identity == nil && error == nil { break }  // stopped
            let check = TickerCheck(
                symbol: symbol, chain: identity?.chain ?? TickerChain([]), listing: identity?.listing ?? Listing(), requests: requests,
                error: error)
            caller.emit(.tickerChain(check))
            out.append(check)
        }
        return out
    }

    /// Asks the provider for the symbol's identity, over all time: its chain of tickers (every
    /// ticker change it knows of, with a provider that reports them) and its first and last
    /// trading days (with one that reports listings), one request group each, and stores them in
    /// place of the ones stored. Only for stocks and ETFs (the listed securities renames and
    /// listings are about; a request for another class would cost a rate-limit slot for nothing).
    ///
    /// - Returns: the chain, the listing and the requests made; nil (and the error) when the
    ///   provider failed, leaving the stored ones as they were; nil and no error after a stop.
    public func tickerChain(_ record: SymbolRecord) async -> (
        identity: (chain: TickerChain, listing: Listing)?, requests: Int, error: String?
    ) {
        var requests = 0
        var events: [StoredEvent] = []
        let caps = instance.provider.capabilities
        for kinds: Set<CorporateEvent.Kind> in [[.tickerChange], [.listing, .delisting]] {
            guard caps.contains(kinds.contains(.tickerChange) ? .tickerChanges : .listings) else { continue }
            if let failure = await pages(record, Int64.min, Int64.max, kinds, &requests, &events) {
                return (nil, requests, failure.description)
            }
            if Task.isCancelled { return (nil, requests, nil) }
        }
        let changes = events.map(\.event)
        let (symbol, provider, now) = (record.symbol, instance.provider.name, UTCTime.now())
        do {
            try await store.run { try $0.replaceTickerChain(symbol: symbol, provider: provider, changes: changes, checkedAt: now) }
        } catch {
            return (nil, requests, "storage: \(error.message)")
        }
        return ((TickerChain(changes), Listing(changes)), requests, nil)
    }

    /// Every page of one request group into `events`; the failure that ended it (a stop ends it
    /// without one).
    private func pages(
        _ record: SymbolRecord, _ start: Int64, _ end: Int64, _ kinds: Set<CorporateEvent.Kind>, _ requests: inout Int,
        _ events: inout [StoredEvent]
    ) async -> ProviderError? {
        var cursor: String?
        let instance = self.instance
        let what =
            kinds == [.earnings]
            ? "earnings" : kinds == [.tickerChange] ? "ticker changes" : kinds.contains(.listing) ? "listing" : "events"
        while true {
            let from = cursor
            let call = await caller.call("\(record.symbol) \(what)") { () async throws(ProviderError) in
                try await instance.fetchEvents(
                    symbol: record.symbol, ticker: record.ticker, assetClass: record.assetClass, kinds: kinds, start: start, end: end,
                    cursor: from)
            }
            requests += call.requests
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
