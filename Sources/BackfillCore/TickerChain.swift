/// The tickers a symbol traded under, from its provider's ticker changes (FB from 2012-05-18,
/// META from 2022-06-11), and which one to ask the provider for in each part of a range.
///
/// The rule: from the newest change on, the symbol's own ticker; before it, the ticker in effect
/// on that date (before the first link, the first link's ticker: the listing's). A chain of one
/// link (a symbol never renamed) changes nothing.
public struct TickerChain: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        /// 00:00 UTC of the first day under `ticker`, epoch ms.
        public var from: Int64
        public var ticker: String

        public init(from: Int64, ticker: String) {
            self.from = from
            self.ticker = ticker
        }
    }

    /// Ascending by date, no two neighbours with the same ticker.
    public let links: [Link]

    /// The chain from a provider's ticker change events (other kinds are ignored).
    public init(_ events: [CorporateEvent]) {
        var links: [Link] = []
        for e in events.filter({ $0.kind == .tickerChange }).sorted(by: { $0.exDate < $1.exDate }) {
            guard let ticker = e.ticker, !ticker.isEmpty, links.last?.ticker != ticker else { continue }
            links.append(Link(from: e.exDate, ticker: ticker))
        }
        self.links = links
    }

    /// Whether the symbol ever traded under another ticker.
    public var renamed: Bool { links.count > 1 }

    /// [a, b) cut at the change dates inside it, each part with the ticker to ask for: nil for
    /// the symbol's own.
    public func segments(_ a: Int64, _ b: Int64) -> [(start: Int64, end: Int64, ticker: String?)] {
        guard a < b else { return [] }
        guard renamed, let newest = links.last, a < newest.from else { return [(a, b, nil)] }
        var out: [(start: Int64, end: Int64, ticker: String?)] = []
        var start = a
        for (i, link) in links.enumerated().dropLast() {
            let end = links[i + 1].from
            guard end > start else { continue }  // a part wholly before `a`
            // Before the first link: the listing's ticker, like the first link's span.
            out.append((start, min(end, b), link.ticker))
            start = end
            if start >= b { return out }
        }
        out.append((start, b, nil))
        return out
    }
}
