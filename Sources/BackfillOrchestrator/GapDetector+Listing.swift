internal import BackfillCalendar
public import BackfillCore
public import BackfillStore
import Synchronization

/// Why a gap is not a hole although bars are missing (`provider_empty` gaps only).
public enum GapReason: String, Sendable, Codable, CaseIterable {
    /// Before the symbol's first trading day: the provider's listing date, or, when it reports
    /// none, the first stored bar of a series the provider was asked for from earlier.
    case beforeListing = "before_listing"
    /// After its last trading day (the provider's delisting date).
    case afterDelisting = "after_delisting"
}

/// Each symbol's listing, read once per detector (a run, a matrix, a request).
final class ListingCache: Sendable {
    private let known = Mutex<[Symbol: Listing]>([:])

    func listing(_ symbol: Symbol, _ read: () throws(StoreError) -> Listing) throws(StoreError) -> Listing {
        if let l = known.withLock({ $0[symbol] }) { return l }
        let l = try read()
        known.withLock { $0[symbol] = l }
        return l
    }
}

extension GapDetector {
    /// The missing bars before the symbol's listing or after its delisting become
    /// `provider_empty` gaps with their reason (a gap across the date is cut there); without a
    /// listing from the provider, a `provider_empty` gap before the series' first stored bar is
    /// `before_listing` (the provider was asked from earlier and had nothing before it).
    func applyListing(
        _ c: PairCompleteness, store: any CandleStore, symbol: Symbol, calendar: MarketCalendar, timeframe: Timeframe
    ) throws(StoreError) -> PairCompleteness {
        guard !c.gaps.isEmpty else { return c }
        let provider = self.provider
        let listing = try listings.listing(symbol) { () throws(StoreError) in
            Listing(try store.events(symbol: symbol).filter { provider == nil || $0.provider == provider }.map(\.event))
        }
        var out = c
        if listing.isKnown {
            let expected = ExpectedBars(calendar: calendar, timeframe: timeframe, stamping: stamping)
            let (from, to) = listing.tradingRange
            out.gaps = c.gaps.flatMap { g in
                Self.cut(g, at: [from, to], expected).map { part in
                    var p = part
                    if p.last < from { (p.gapClass, p.reason) = (.providerEmpty, .beforeListing) }
                    if p.first >= to { (p.gapClass, p.reason) = (.providerEmpty, .afterDelisting) }
                    return p
                }
            }
        } else if c.present > 0, let first = c.gaps.first, first.gapClass == .providerEmpty,
            try store.lastCandles(symbol: symbol, timeframe: timeframe, through: first.first - 1, count: 1).count == 0
        {
            out.gaps[0].reason = .beforeListing
        }
        return out
    }

    /// `g` cut at each instant of `points` that falls inside it (its bars are every expected bar
    /// from its first to its last, all missing).
    static func cut(_ g: Gap, at points: [Int64], _ expected: ExpectedBars) -> [Gap] {
        var parts: [Gap] = []
        var rest = g
        for x in points.sorted() where x > rest.first && x <= rest.last {
            let before = expected.bars(start: rest.first, end: x).bars
            guard let last = before.last else { continue }
            var a = rest
            a.last = expected.start(ofKey: last.key)
            a.missing = before.count
            let after = expected.bars(start: x, end: rest.last + 1).bars
            guard let next = after.first else { break }
            parts.append(a)
            rest.first = expected.start(ofKey: next.key)
            rest.missing = g.missing - parts.reduce(0) { $0 + $1.missing }
        }
        parts.append(rest)
        return parts
    }
}
