import BackfillCore
import Testing

@Suite("Ticker chains")
struct TickerChainTests {
    static func day(_ text: String) -> Int64 { (try? UTCTime.parse(text)) ?? 0 }
    static let meta = TickerChain([
        CorporateEvent(kind: .tickerChange, exDate: day("2022-06-11"), ticker: "META"),
        CorporateEvent(kind: .split, exDate: day("2020-01-01"), splitFrom: 1, splitTo: 2),  // not a link
        CorporateEvent(kind: .tickerChange, exDate: day("2012-05-18"), ticker: "FB"),
    ])

    typealias Part = (start: Int64, end: Int64, ticker: String?)
    static func same(_ a: [Part], _ b: [Part]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.start == $1.start && $0.end == $1.end && $0.ticker == $1.ticker }
    }

    @Test("links are sorted by date, other kinds ignored; a chain of one link is no rename")
    func links() {
        #expect(Self.meta.links.map(\.ticker) == ["FB", "META"])
        #expect(Self.meta.renamed)
        let listed = TickerChain([CorporateEvent(kind: .tickerChange, exDate: Self.day("1980-12-12"), ticker: "AAPL")])
        #expect(!listed.renamed)
        #expect(Self.same(listed.segments(0, 100), [(0, 100, nil)]))
        #expect(Self.same(TickerChain([]).segments(5, 9), [(5, 9, nil)]))
        // The same ticker twice in a row is one link.
        let twice = TickerChain([
            CorporateEvent(kind: .tickerChange, exDate: 10, ticker: "A"), CorporateEvent(kind: .tickerChange, exDate: 20, ticker: "A"),
        ])
        #expect(twice.links == [TickerChain.Link(from: 10, ticker: "A")])
    }

    @Test("a range across the rename is cut at its date: the old ticker before, the symbol's own from it on")
    func segments() {
        let (a, change, b) = (Self.day("2022-01-01"), Self.day("2022-06-11"), Self.day("2023-01-01"))
        #expect(Self.same(Self.meta.segments(a, b), [(a, change, "FB"), (change, b, nil)]))
        // Wholly before, wholly after, and before the first listing (the listing's ticker).
        #expect(Self.same(Self.meta.segments(a, change), [(a, change, "FB")]))
        #expect(Self.same(Self.meta.segments(change, b), [(change, b, nil)]))
        let early = Self.day("2000-01-01")
        #expect(Self.same(Self.meta.segments(early, a), [(early, a, "FB")]))
        #expect(Self.meta.segments(b, b).isEmpty)
    }

    @Test("a chain of three tickers gives each its span")
    func threeTickers() {
        let chain = TickerChain([
            CorporateEvent(kind: .tickerChange, exDate: 100, ticker: "OLD"),
            CorporateEvent(kind: .tickerChange, exDate: 200, ticker: "MID"),
            CorporateEvent(kind: .tickerChange, exDate: 300, ticker: "NEW"),
        ])
        #expect(Self.same(chain.segments(50, 400), [(50, 200, "OLD"), (200, 300, "MID"), (300, 400, nil)]))
        #expect(Self.same(chain.segments(250, 260), [(250, 260, "MID")]))
        #expect(Self.same(chain.segments(150, 250), [(150, 200, "OLD"), (200, 250, "MID")]))
    }
}
