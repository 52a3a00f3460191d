import BackfillCore
import Testing

@testable import BackfillPluginHost

/// The host–child protocol: every message survives its encoding, and a truncated or unknown one
/// is refused rather than misread.
@Suite("Child process protocol")
struct ChildWireTests {
    static func roundTrip(_ m: ChildMessage) throws -> ChildMessage {
        let bytes = m.encoded()
        return try bytes.withUnsafeBytes { try ChildMessage.decode($0) }
    }

    /// Both encodings side by side: a message is the same when its re-encoding is.
    static func same(_ m: ChildMessage) throws -> Bool { try roundTrip(m).encoded() == m.encoded() }

    @Test("every message round-trips")
    func roundTrips() throws {
        let request = CandleRequest(
            symbol: try Symbol("BRK.B"), ticker: "X:BTCUSD", assetClass: .crypto, timeframe: .h4, start: -5, end: 1_700_000_000_000)
        let metadata = ProviderMetadata(
            path: "/p/libx.so", name: "x", version: "1.2.3", summary: "ünïcode summary", abiVersion: "1.1",
            capabilities: [.candles, .threadSafe], timeframes: [.m1, .d1, .w1], defaultRate: 5.0 / 60, maxPageRows: 50_000,
            dailyStampsNewYorkMidnight: true, fourHourAnchorNewYork: false,
            options: [LoadedProvider.OptionSpec(name: "api_key", defaultValue: nil, secret: true, help: "the key")])
        let event = CorporateEvent(kind: .dividend, exDate: 86_400_000, cashAmount: 0.24, currency: "USD", payDate: 2 * 86_400_000)
        let messages: [ChildMessage] = [
            .hello(metadata), .loadFailed(kind: "noEntry", path: "/p", reason: "no bf_provider_entry function exported"),
            .create(["root": "/data", "faults": ""]), .created,
            .createFailed(ProviderError(kind: .badRequest, message: "root missing")), .mapBatch(id: 7, capacity: 50_000),
            .unmapBatch(id: 7), .fetchCandles(call: 42, batch: 7, pageLimit: 1000, request: request, cursor: nil),
            .fetchCandles(call: 43, batch: 7, pageLimit: 1000, request: request, cursor: "next=abc"),
            .candlesDone(call: 42, .success(PageInfo(count: 1000, rejected: 2, nextCursor: "c", requestId: "a5c3fcaf"))),
            .candlesDone(call: 43, .failure(ProviderError(kind: .rateLimited, message: "slow down", retryAfterMs: 1500))),
            .fetchEvents(
                call: 44,
                request: EventRequest(
                    symbol: try Symbol("AAPL"), ticker: nil, assetClass: .stock, kinds: [.split, .earnings], start: 0, end: 9,
                    cursor: nil)),
            .event(call: 44, event), .eventsDone(call: 44, .success(nil)), .eventsDone(call: 45, .success("p2")),
            .eventsDone(call: 46, .failure(ProviderError(kind: .notEntitled, message: "upgrade"))), .log(level: 2, message: "careful"),
            .loading(index: 3), .started(call: 42),
        ]
        for m in messages { #expect(try Self.same(m), "\(m)") }
        guard case .hello(let back) = try Self.roundTrip(.hello(metadata)) else { throw ChildMessage.Malformed() }
        #expect(back == metadata)
        guard case .event(_, let e) = try Self.roundTrip(.event(call: 44, event)) else { throw ChildMessage.Malformed() }
        #expect(e == event)
        let report = CorporateEvent(
            kind: .earnings, exDate: 1_706_745_600_000, currency: "USD",
            earnings: CorporateEvent.Earnings(time: .beforeOpen, fiscalYear: 2024, fiscalPeriod: "Q1", epsEstimate: 2.1, epsActual: .nan))
        guard case .event(_, let r) = try Self.roundTrip(.event(call: 47, report)) else { throw ChildMessage.Malformed() }
        #expect(r == report)
        guard case .fetchEvents(_, let q) = try Self.roundTrip(messages[11]) else { throw ChildMessage.Malformed() }
        #expect(q.kinds == [.split, .earnings])
        let rename = CorporateEvent(kind: .tickerChange, exDate: 1_654_905_600_000, ticker: "META")
        guard case .event(_, let t) = try Self.roundTrip(.event(call: 48, rename)) else { throw ChildMessage.Malformed() }
        #expect(t == rename && t.ticker == "META")
        let chainRequest = ChildMessage.fetchEvents(
            call: 49,
            request: EventRequest(
                symbol: try Symbol("META"), ticker: nil, assetClass: .stock, kinds: [.tickerChange], start: Int64.min, end: Int64.max,
                cursor: nil))
        guard case .fetchEvents(_, let c) = try Self.roundTrip(chainRequest) else { throw ChildMessage.Malformed() }
        #expect(c.kinds == [.tickerChange] && c.start == Int64.min && c.end == Int64.max)
        guard case .fetchCandles(_, _, _, let r, let c) = try Self.roundTrip(messages[8]) else { throw ChildMessage.Malformed() }
        #expect(r.symbol == request.symbol && r.ticker == "X:BTCUSD" && r.timeframe == .h4 && r.start == -5 && c == "next=abc")
    }

    @Test("a truncated or unknown message is refused")
    func malformed() throws {
        let whole = ChildMessage.candlesDone(call: 1, .success(PageInfo(count: 3, rejected: 0, nextCursor: "x"))).encoded()
        for cut in 0..<whole.count {
            let part = Array(whole.prefix(cut))
            #expect(throws: ChildMessage.Malformed.self) { try part.withUnsafeBytes { try ChildMessage.decode($0) } }
        }
        #expect(throws: ChildMessage.Malformed.self) { try [UInt8(200)].withUnsafeBytes { try ChildMessage.decode($0) } }
    }
}
