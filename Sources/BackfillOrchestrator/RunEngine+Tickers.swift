public import BackfillCore
internal import BackfillPluginHost
internal import BackfillStore
import Synchronization

extension RunEngine {
    /// How long a stored ticker chain is trusted before the provider is asked again.
    static let tickerChainMaxAge: Int64 = 7 * UTCTime.msPerDay

    /// Before the fetch: the chain of tickers of every stock and ETF symbol, asked of a provider
    /// that reports ticker changes when it never answered for the symbol or did so a week ago or
    /// more (renames are rare, and a request per symbol every night costs a rate-limited plan;
    /// `--force` asks again), stored, and kept for the fetch (``tickerChain(_:)``). A failure
    /// leaves the stored chain in use and is the run's error, not the pairs'.
    func tickerStage(_ state: inout RunState) async {
        let fetcher = EventFetcher(instance: plan.instance, store: store, caller: caller)
        let (symbols, force) = (options.symbols, options.force)
        let checked = await stop.cancellable { await fetcher.checkTickers(symbols, maxAge: force ? 0 : Self.tickerChainMaxAge) }
        for c in checked where c.error == nil {
            chains.withLock { $0[c.symbol] = c.chain }
            listings.withLock { $0[c.symbol] = c.listing }
        }
        state.report.tickerChecks = checked
        for c in checked {
            if let error = c.error { state.report.errors.append("\(c.symbol) ticker changes: \(error)") }
        }
    }

    /// The chain the run fetches `symbol` by: the stored one this provider reported (loaded once).
    func tickerChain(_ symbol: Symbol) async -> TickerChain {
        if let known = chains.withLock({ $0[symbol] }) { return known }
        return await loadIdentity(symbol).chain
    }

    /// The first and last trading days this provider reported for `symbol` (loaded once): the
    /// fetch asks for nothing outside them.
    func listing(_ symbol: Symbol) async -> Listing {
        if let known = listings.withLock({ $0[symbol] }) { return known }
        return await loadIdentity(symbol).listing
    }

    /// The symbol's chain and listing from its stored events of this run's provider, read once
    /// for both and kept.
    private func loadIdentity(_ symbol: Symbol) async -> (chain: TickerChain, listing: Listing) {
        let provider = providerName
        let events = ((try? await store.run { try $0.events(symbol: symbol) }) ?? []).filter { $0.provider == provider }.map(\.event)
        let (chain, listing) = (TickerChain(events), Listing(events))
        chains.withLock { $0[symbol] = chain }
        listings.withLock { $0[symbol] = listing }
        return (chain, listing)
    }
}

/// One symbol's ticker chain as the provider reported it in a run's ticker step.
public struct TickerCheck: Sendable {
    public var symbol: Symbol
    /// The chain (empty when the provider knows no change, or failed).
    public var chain: TickerChain
    /// The first and last trading days the provider reported (unknown when it reports none).
    public var listing = Listing()
    public var links: [TickerChain.Link] { chain.links }
    public var requests: Int
    public var error: String?

    /// The chain as one line: "FB from 2012-05-18, META from 2022-06-11".
    public var chainText: String {
        links.map { "\($0.ticker) from \(UTCTime.isoDate($0.from))" }.joined(separator: ", ")
    }

    /// As the results document and the JSON log give it.
    public var json: [(String, JSON)] {
        [
            ("symbol", .string(symbol.text)),
            ("chain", .array(links.map { .object([("from", .string(UTCTime.isoDate($0.from))), ("ticker", .string($0.ticker))]) })),
            ("listed", listing.listed.map { .string(UTCTime.isoDate($0)) } ?? .null),
            ("delisted", listing.delisted.map { .string(UTCTime.isoDate($0)) } ?? .null),
            ("requests", .int(Int64(requests))), ("error", error.map { .string($0) } ?? .null),
        ]
    }
}
