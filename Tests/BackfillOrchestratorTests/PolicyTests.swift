import BackfillCalendar
import BackfillCore
import BackfillOrchestrator
import BackfillStore
import BackfillTestSupport
import Foundation
import Testing

@Suite("Run policy")
struct PolicyTests {
    @Test("the rate limiter never hands out slots closer than 1/rate, across concurrent tasks")
    func rateKept() async throws {
        let limiter = RateLimiter(rate: 50, keepGrants: true)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { for _ in 0..<5 { try? await limiter.acquire() } } }
        }
        let grants = await limiter.grants.sorted()
        #expect(grants.count == 20)
        for (a, b) in zip(grants, grants.dropFirst()) { #expect(b - a >= .milliseconds(20) - .microseconds(50)) }
    }

    @Test("a retry-after pause holds every task back")
    func pause() async throws {
        let limiter = RateLimiter(rate: 0)
        await limiter.pause(for: .milliseconds(150))
        let t0 = ContinuousClock.now
        try await limiter.acquire()
        #expect(ContinuousClock.now - t0 >= .milliseconds(140))
        #expect(await limiter.pauses == 1)
    }

    @Test("backoff grows exponentially with jitter and is capped")
    func backoff() {
        let p = RetryPolicy(maxRetries: 5, base: .milliseconds(100), cap: .seconds(1))
        for attempt in 1...8 {
            for _ in 0..<50 {
                let d = p.delay(attempt: attempt)
                #expect(d >= .milliseconds(50))
                #expect(d <= min(.seconds(1), .milliseconds(100) * (1 << (attempt - 1))))
            }
        }
    }

    @Test("range sets merge, answer membership and list what is missing")
    func rangeSet() {
        var r = RangeSet()
        r.insert(10, 20)
        r.insert(30, 40)
        r.insert(20, 25)
        r.insert(5, 8)
        #expect(r.ranges.map { [$0.0, $0.1] } == [[5, 8], [10, 25], [30, 40]])
        #expect(r.contains(10) && r.contains(24) && !r.contains(25) && !r.contains(8) && r.contains(39))
        #expect(r.missing(0, 50).map { [$0.0, $0.1] } == [[0, 5], [8, 10], [25, 30], [40, 50]])
        #expect(r.missing(12, 22).isEmpty)
    }

    @Test("gap detection gives the same gaps whatever its window size (memory stays flat)")
    func windowedDetection() throws {
        let db = try TestDatabase(.sqlite)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("W")
        let start = try UTCTime.parse("2024-01-01"), end = try UTCTime.parse("2024-01-15")
        let b = CandleBatch(capacity: 30_000)
        var t = start
        var i = 0
        while t < end {
            // Drop a few scattered minutes and one whole day (Jan 7, bracketed by data).
            if i % 997 != 0 && UTCTime.isoDate(t) != "2024-01-07" { b.append(ts: t, open: 1, high: 1, low: 1, close: 1, volume: 1) }
            t += 60_000
            i += 1
        }
        _ = try store.write(
            b, symbol: s, timeframe: .m1, coverage: CoverageRecord(start: start, end: end, provider: "p", outcome: .fetched, recordedAt: 0))
        var small = GapDetector(stamping: BarStamping(), provider: "p")
        small.windowBars = 700
        let big = GapDetector(stamping: BarStamping(), provider: "p")
        let a = try small.detect(store: store, symbol: s, assetClass: .crypto, timeframe: .m1, start: start, end: end)
        let c = try big.detect(store: store, symbol: s, assetClass: .crypto, timeframe: .m1, start: start, end: end)
        #expect(a.gaps == c.gaps)
        #expect(a.expected == 14 * 1440 && a.present == c.present)
        let day = try #require(a.gaps.first { $0.missing >= 1440 })
        #expect(day.gapClass == .suspect)
        #expect(UTCTime.iso(day.first) == "2024-01-07T00:00:00Z")
        #expect(a.gaps.filter { $0.missing == 1 }.allSatisfy { $0.gapClass == .providerEmpty })
    }
}
