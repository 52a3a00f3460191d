import BackfillCore
import BackfillTestSupport
import Foundation
import Logging
import Testing

@testable import BackfillPluginHost

/// Collects the log lines plugins send to the host.
final class LogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.withLock { storage } }
    func append(_ line: String) { lock.withLock { storage.append(line) } }
}

struct CollectingHandler: LogHandler {
    let collector: LogCollector
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { collector.append("\(event.level): \(event.message)") }
}

/// The replay provider, driven through the real host exactly as `backfill` drives it.
@Suite("Replay provider")
struct ReplayProviderTests {
    let log = LogCollector()
    let provider: LoadedProvider

    init() throws {
        let dir = TemporaryDirectory()
        try dir.copy(Fixtures.replayPlugin, to: "libReplayProvider.so")
        let collector = log
        let registry = PluginRegistry(
            pluginDirs: [dir.path], environment: [:], executableDir: nil,
            logger: Logger(label: "test") { _ in CollectingHandler(collector: collector) })
        provider = try registry.provider(named: "replay")
    }

    static let fixtures = Fixtures.fixturesDir + "/replay"
    static func ms(_ text: String) -> Int64 { (try? UTCTime.parse(text)) ?? 0 }

    /// The rows of a CSV fixture in [start, end), parsed independently of the plugin.
    static func expected(_ path: String, _ start: Int64, _ end: Int64) throws -> [Candle] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").dropFirst().compactMap { line in
            let f: [Double] = try line.split(separator: ",").map { try Fixtures.value($0) }
            let ts = Int64(f[0])
            guard ts >= start, ts < end else { return nil }
            return Candle(ts: ts, open: f[1], high: f[2], low: f[3], close: f[4], volume: f[5])
        }
    }

    @Test("serves exactly the requested [start, end) range, ascending, equal to the file's rows")
    func range() async throws {
        let start = Self.ms("2008-09-01"), end = Self.ms("2008-11-01")
        let got = try await fetchAll(
            provider, symbol: "SPY", timeframe: .d1, start: start, end: end, config: ["root": Self.fixtures])
        let want = try Self.expected(Self.fixtures + "/SPY/1d.csv", start, end)
        #expect(got.count == 44)  // 21 sessions in September (Labor Day) + 23 in October
        #expect(got == want)
        #expect(got.first!.ts == Self.ms("2008-09-02"))  // 09-01 was Labor Day
        #expect(got.last!.ts < end)
    }

    @Test("any page size gives the same rows, and each page holds at most page_limit rows", arguments: [1, 7, 250, 100_000])
    func paging(pageLimit: Int) async throws {
        let start = Self.ms("2022-01-01T00:00"), end = Self.ms("2022-01-03T00:00")
        let instance = try provider.makeInstance(configuration: ["root": Self.fixtures])
        let request = CandleRequest(symbol: try Symbol("BTCPERP"), assetClass: .crypto, timeframe: .m1, start: start, end: end)
        let batch = CandleBatch(capacity: 100_000)
        var cursor: String?
        var rows: [Candle] = []
        var pages = 0
        repeat {
            let page = try await instance.fetchPage(request, cursor: cursor, into: batch, pageLimit: pageLimit)
            #expect(page.count <= pageLimit)
            rows += batch.rows
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil
        #expect(rows.count == 2880)
        #expect(rows == (try Self.expected(Self.fixtures + "/BTCPERP/1m.csv", start, end)))
        #expect(pages == (2880 + pageLimit - 1) / pageLimit)
    }

    @Test("the same request twice gives the same rows (determinism)")
    func determinism() async throws {
        let a = try await fetchAll(
            provider, symbol: "AAPL", timeframe: .m1, start: 0, end: Self.ms("2030-01-01"),
            config: ["root": Self.fixtures, "page_size": "333"])
        let b = try await fetchAll(
            provider, symbol: "AAPL", timeframe: .m1, start: 0, end: Self.ms("2030-01-01"), config: ["root": Self.fixtures])
        #expect(a.count == 2303)
        #expect(a == b)
    }

    @Test("a symbol or timeframe without a file answers no data")
    func noData() async throws {
        let instance = try provider.makeInstance(configuration: ["root": Self.fixtures])
        for (symbol, tf) in [("NOPE", Timeframe.d1), ("SPY", .m5)] {
            let request = CandleRequest(symbol: try Symbol(symbol), assetClass: .stock, timeframe: tf, start: 0, end: 1 << 50)
            await #expect(throws: ProviderError.self) {
                _ = try await instance.fetchPage(request, cursor: nil, into: CandleBatch(capacity: 10))
            }
            do {
                _ = try await instance.fetchPage(request, cursor: nil, into: CandleBatch(capacity: 10))
            } catch {
                #expect(error.kind == .noData)
            }
        }
    }

    @Test("a missing root folder is a clear configuration error")
    func missingRoot() throws {
        #expect(throws: ProviderError(kind: .badRequest, message: "replay root '/nonexistent/x' is not a folder")) {
            try provider.makeInstance(configuration: ["root": "/nonexistent/x"])
        }
        #expect(throws: ProviderError.self) { try provider.makeInstance(configuration: [:]) }
    }

    @Test("ISO-8601 timestamps and optional vwap/trades columns load")
    func isoAndOptionalColumns() async throws {
        let dir = TemporaryDirectory()
        try dir.write(
            "X/1h.csv",
            """
            ts,open,high,low,close,volume,vwap,trades
            2024-03-08T14:00:00Z,10,11,9,10.5,100,10.2,5
            2024-03-08T15:00:00.000Z,10.5,12,10,11,1.5e3,,
            1709913600000,11,11,11,11,0,11,0

            """)
        let rows = try await fetchAll(provider, symbol: "X", timeframe: .h1, start: 0, end: 1 << 50, config: ["root": dir.path])
        #expect(
            rows == [
                Candle(ts: 1_709_906_400_000, open: 10, high: 11, low: 9, close: 10.5, volume: 100, vwap: 10.2, trades: 5),
                Candle(ts: 1_709_910_000_000, open: 10.5, high: 12, low: 10, close: 11, volume: 1500),
                Candle(ts: 1_709_913_600_000, open: 11, high: 11, low: 11, close: 11, volume: 0, vwap: 11, trades: 0),
            ])
    }

    @Test("bad rows are reported with file and line and skipped; the rest still serves")
    func malformedRows() async throws {
        let dir = TemporaryDirectory()
        let path = try dir.write(
            "BAD/1d.csv",
            """
            ts,open,high,low,close,volume
            1000,1,2,0.5,1.5,10
            2000,1,2,0.5,oops,10
            3000,1,2,0.5,nan,10
            4000,1,1,2,1,10
            4000,1,2,0.5,1.5,10
            5000,1,2,0.5,1.5,10
            5000,1,2,0.5,1.5,10
            4500,1,2,0.5,1.5,10
            6000,1,2,0.5
            7000,1,2,0.5,1.5,10

            """)
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        let request = CandleRequest(symbol: try Symbol("BAD"), assetClass: .stock, timeframe: .d1, start: 0, end: 10_000)
        let batch = CandleBatch(capacity: 100)
        let page = try await instance.fetchPage(request, cursor: nil, into: batch)
        #expect(batch.rows.map(\.ts) == [1000, 4000, 5000, 7000])
        #expect(page.rejected == 6)
        let lines = log.lines
        #expect(lines.contains("warning: \(path):3: unparseable close 'oops'; row skipped"))
        #expect(lines.contains("warning: \(path):4: close is nan; row skipped"))
        #expect(lines.contains("warning: \(path):5: high 1.0 below low 2.0; row skipped"))
        #expect(lines.contains("warning: \(path):8: duplicate ts 5000; row skipped"))
        #expect(lines.contains("warning: \(path):9: ts out of order 4500; row skipped"))
        #expect(lines.contains("warning: \(path):10: expected 6 fields, found 4; row skipped"))
    }

    @Test("a bad header is an error naming the file and line 1")
    func badHeader() async throws {
        let dir = TemporaryDirectory()
        let path = try dir.write("H/1d.csv", "time,o,h,l,c,v\n1,1,1,1,1,1\n")
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        let request = CandleRequest(symbol: try Symbol("H"), assetClass: .stock, timeframe: .d1, start: 0, end: 10)
        do {
            _ = try await instance.fetchPage(request, cursor: nil, into: CandleBatch(capacity: 10))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .permanent)
            #expect(error.message.hasPrefix("\(path):1: "))
        }
    }

    @Test("faults.json: the first N requests are rate limited with retry-after, then data flows")
    func rateLimitFault() async throws {
        let dir = TemporaryDirectory()
        try dir.copy(Self.fixtures + "/SPY/1d.csv", to: "SPY/1d.csv")
        try dir.write(
            "faults.json",
            #"{"faults": [{"symbol": "SPY", "timeframe": "1d", "status": "rate_limited", "requests": 2, "retry_after_ms": 1500}]}"#)
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        let request = CandleRequest(
            symbol: try Symbol("SPY"), assetClass: .etf, timeframe: .d1, start: Self.ms("2020-01-01"), end: Self.ms("2020-02-01"))
        let batch = CandleBatch(capacity: 100)
        for _ in 0..<2 {
            do {
                _ = try await instance.fetchPage(request, cursor: nil, into: batch)
                Issue.record("expected rate limiting")
            } catch {
                #expect(error.kind == .rateLimited)
                #expect(error.retryAfterMs == 1500)
            }
        }
        let page = try await instance.fetchPage(request, cursor: nil, into: batch)
        #expect(page.count == 21)
    }

    @Test("faults.json: a hidden range is missing on the first attempt and served on the second")
    func hiddenRange() async throws {
        let dir = TemporaryDirectory()
        try dir.copy(Self.fixtures + "/SPY/1d.csv", to: "SPY/1d.csv")
        try dir.write(
            "faults.json", #"{"faults": [{"symbol": "SPY", "hide": {"start": "2020-01-10", "end": "2020-01-15"}, "attempts": 1}]}"#)
        let config = ["root": dir.path]
        let instance = try provider.makeInstance(configuration: config)
        let request = CandleRequest(
            symbol: try Symbol("SPY"), assetClass: .etf, timeframe: .d1, start: Self.ms("2020-01-01"), end: Self.ms("2020-02-01"))
        let batch = CandleBatch(capacity: 100)
        _ = try await instance.fetchPage(request, cursor: nil, into: batch)
        let first = batch.rows.map(\.ts)
        _ = try await instance.fetchPage(request, cursor: nil, into: batch)
        let second = batch.rows.map(\.ts)
        #expect(first.count == 18)
        #expect(second.count == 21)
        #expect(Set(second).subtracting(first) == [Self.ms("2020-01-10"), Self.ms("2020-01-13"), Self.ms("2020-01-14")])
    }

    @Test("faults.json: unauthorized, transient and latency; a malformed plan names the file and fault")
    func otherFaults() async throws {
        let dir = TemporaryDirectory()
        try dir.copy(Self.fixtures + "/SPY/1d.csv", to: "SPY/1d.csv")
        try dir.write(
            "faults.json",
            #"{"faults": [{"symbol": "*", "timeframe": "1m", "status": "unauthorized"}, {"timeframe": "1d", "status": "transient", "requests": 1}, {"latency_ms": 30}]}"#
        )
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        func request(_ tf: Timeframe) throws -> CandleRequest {
            CandleRequest(symbol: try Symbol("SPY"), assetClass: .etf, timeframe: tf, start: 0, end: Self.ms("1998-02-01"))
        }
        let batch = CandleBatch(capacity: 100)
        await #expect(throws: ProviderError(kind: .unauthorized, message: "injected unauthorized (fault 1, request 1)")) {
            _ = try await instance.fetchPage(try request(.m1), cursor: nil, into: batch)
        }
        await #expect(throws: ProviderError(kind: .transient, message: "injected transient (fault 2, request 1)")) {
            _ = try await instance.fetchPage(try request(.d1), cursor: nil, into: batch)
        }
        let clock = ContinuousClock()
        let t0 = clock.now
        let page = try await instance.fetchPage(try request(.d1), cursor: nil, into: batch)
        #expect(page.count == 20)
        #expect(clock.now - t0 >= .milliseconds(30))

        try dir.write("faults.json", #"{"faults": [{"status": "exploded"}]}"#)
        #expect(
            throws: ProviderError(
                kind: .permanent,
                message:
                    "\(dir.path)/faults.json: fault 1: unknown status 'exploded'; valid: bad_request, no_data, not_entitled, permanent, rate_limited, transient, unauthorized"
            )
        ) {
            try provider.makeInstance(configuration: ["root": dir.path])
        }
        try dir.write("faults.json", "{\"faults\": [\n{\"status\": }]}")
        #expect(throws: ProviderError(kind: .permanent, message: "\(dir.path)/faults.json: invalid JSON, line 2: unexpected character")) {
            try provider.makeInstance(configuration: ["root": dir.path])
        }
    }

    @Test("splits and dividends are served from splits.csv and dividends.csv")
    func events() async throws {
        let dir = TemporaryDirectory()
        try dir.copy(Self.fixtures + "/AAPL/splits.csv", to: "AAPL/splits.csv")
        try dir.write(
            "AAPL/dividends.csv", "ex_dividend_date,cash_amount,currency,pay_date\n2020-08-07,0.82,USD,2020-08-13\n2020-11-06,0.205,USD,\n")
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        let (events, next) = try await instance.fetchEvents(
            symbol: try Symbol("AAPL"), ticker: nil, assetClass: .stock, kinds: [.split, .dividend],
            start: Self.ms("2010-01-01"), end: Self.ms("2021-01-01"), cursor: nil)
        #expect(next == nil)
        #expect(events.map(\.kind) == [.split, .split, .dividend, .dividend])
        #expect(events[0].exDate == Self.ms("2014-06-09"))
        #expect(events[0].splitFrom == 1 && events[0].splitTo == 7)
        #expect(events[2].cashAmount == 0.82 && events[2].currency == "USD" && events[2].payDate == Self.ms("2020-08-13"))
        #expect(events[3].payDate == nil)
    }

    @Test("earnings reports are served from earnings.csv, asked for alone; bad rows are skipped with file and line")
    func earnings() async throws {
        let dir = TemporaryDirectory()
        try dir.copy(Self.fixtures + "/AAPL/splits.csv", to: "AAPL/splits.csv")
        try dir.write(
            "AAPL/earnings.csv",
            """
            date,time,fiscal_year,fiscal_period,eps_estimate,eps_actual,revenue_estimate,revenue_actual,currency
            2024-02-01,after_close,2024,Q1,2.10,2.18,117910000000,119575000000,USD
            2024-05-02,,2024,Q2,1.50,,,,
            2024-08-01,at_lunch,2024,Q3,1.35,1.40,,,USD
            2024-10-31,before_open,,FY,abc,,,,USD
            2024-11-01,during_market,,,,,,,

            """)
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        let (events, next) = try await instance.fetchEvents(
            symbol: try Symbol("AAPL"), ticker: nil, assetClass: .stock, kinds: [.earnings],
            start: Self.ms("2024-01-01"), end: Self.ms("2025-01-01"), cursor: nil)
        #expect(next == nil)
        #expect(events.map(\.kind) == [.earnings, .earnings, .earnings])  // not the splits, not the two bad rows
        let q1 = try #require(events[0].earnings)
        #expect(events[0].exDate == Self.ms("2024-02-01") && events[0].currency == "USD")
        #expect(
            q1
                == CorporateEvent.Earnings(
                    time: .afterClose, fiscalYear: 2024, fiscalPeriod: "Q1", epsEstimate: 2.10, epsActual: 2.18,
                    revenueEstimate: 117_910_000_000, revenueActual: 119_575_000_000))
        #expect(events[1].earnings == CorporateEvent.Earnings(fiscalYear: 2024, fiscalPeriod: "Q2", epsEstimate: 1.5))
        #expect(events[2].earnings?.time == .duringMarket && events[2].exDate == Self.ms("2024-11-01"))
    }

    @Test("ticker changes come from ticker_changes.csv over all time; bad rows are skipped with file and line")
    func tickerChanges() async throws {
        let dir = TemporaryDirectory()
        let path = try dir.write(
            "META/ticker_changes.csv",
            """
            date,ticker
            2012-05-18,FB
            2015-01-01,
            2018-02-30,XX
            2020-01-01,THIS_TICKER_IS_LONGER_THAN_31_CHARS
            2022-06-11,META

            """)
        try dir.write("META/splits.csv", "execution_date,split_from,split_to\n2020-01-02,1,2\n")
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        let (events, next) = try await instance.fetchEvents(
            symbol: try Symbol("META"), ticker: nil, assetClass: .stock, kinds: [.tickerChange], start: Int64.min, end: Int64.max,
            cursor: nil)
        #expect(next == nil)
        #expect(events.map(\.kind) == [.tickerChange, .tickerChange])  // not the split, not the three bad rows
        #expect(events.map(\.ticker) == ["FB", "META"])
        #expect(events.map(\.exDate) == [Self.ms("2012-05-18"), Self.ms("2022-06-11")])
        let lines = log.lines
        #expect(lines.contains("warning: \(path):3: ticker must be 1 to 31 characters without spaces; row skipped"), "\(lines)")
        #expect(lines.contains("warning: \(path):4: unparseable date '2018-02-30'; row skipped"), "\(lines)")
        #expect(lines.contains("warning: \(path):5: ticker must be 1 to 31 characters without spaces; row skipped"), "\(lines)")
        // Without the file: no chain, no error.
        let none = try await instance.fetchEvents(
            symbol: try Symbol("AAPL"), ticker: nil, assetClass: .stock, kinds: [.tickerChange], start: Int64.min, end: Int64.max,
            cursor: nil)
        #expect(none.events.isEmpty)
    }

    @Test("candles asked for under a ticker come from that ticker's folder when it exists, else the symbol's")
    func tickerFolder() async throws {
        let dir = TemporaryDirectory()
        try dir.write("FB/1d.csv", "ts,open,high,low,close,volume\n86400000,1,2,0.5,1.5,10\n")
        try dir.write("META/1d.csv", "ts,open,high,low,close,volume\n86400000,7,8,6.5,7.5,10\n")
        let instance = try provider.makeInstance(configuration: ["root": dir.path])
        func first(_ ticker: String?) async throws -> Double {
            let request = CandleRequest(
                symbol: try Symbol("META"), ticker: ticker, assetClass: .stock, timeframe: .d1, start: 0, end: 1_000_000_000)
            let batch = CandleBatch(capacity: 10)
            _ = try await instance.fetchPage(request, cursor: nil, into: batch)
            return batch.rows.first?.open ?? .nan
        }
        #expect(try await first("FB") == 1)
        #expect(try await first(nil) == 7)
        #expect(try await first("X:METAUSD") == 7)  // a provider ticker with no folder of its own
    }

    @Test("a small range out of a large file reads only part of it (binary search over the map)")
    func seekIsSublinear() async throws {
        // 400,000 one-minute rows (~20 MB); asking for the last hour must not scan from the top.
        let dir = TemporaryDirectory()
        var text = "ts,open,high,low,close,volume\n"
        text.reserveCapacity(20_000_000)
        let base: Int64 = 1_600_000_000_000
        for i in 0..<400_000 { text += "\(base + Int64(i) * 60_000),1,2,0.5,1.5,10\n" }
        try dir.write("BIG/1m.csv", text)
        let end = base + 400_000 * 60_000
        let rows = try await fetchAll(provider, symbol: "BIG", timeframe: .m1, start: end - 3_600_000, end: end, config: ["root": dir.path])
        #expect(rows.count == 60)
        #expect(rows.first?.ts == end - 3_600_000)
        // A bad row near the end is reported with its true line number, counted lazily.
        try dir.write("BIG/1m.csv", text + "\(end),1,2,0.5,x,10\n")
        _ = try await fetchAll(provider, symbol: "BIG", timeframe: .m1, start: end - 60_000, end: end + 60_000, config: ["root": dir.path])
        #expect(log.lines.contains { $0.hasSuffix("BIG/1m.csv:400002: unparseable close 'x'; row skipped") })
    }
}
