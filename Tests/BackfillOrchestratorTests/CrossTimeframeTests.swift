import BackfillCalendar
import BackfillCore
import BackfillFeatures
import Testing

@testable import BackfillOrchestrator

/// `crosstf`'s stamping rules: which coarse bar a finer bar belongs to.
@Suite("Verify: cross-timeframe buckets")
struct CrossTimeframeTests {
    static func ms(_ iso: String) -> Int64 { (try? UTCTime.parse(iso)) ?? 0 }

    @Test("a stock's minute belongs to its New York date's day, a crypto minute to its UTC date, a forex minute to the 17:00 trade date")
    func days() {
        // 2024-03-05 23:30 UTC is 18:30 New York, 2024-03-05.
        let t = Self.ms("2024-03-05T23:30:00Z")
        let day = UTCTime.floorDiv(t, UTCTime.msPerDay)
        #expect(CrossTimeframeCheck.bucket(t, fine: .m1, coarse: .d1, calendar: .nyse, newYork4h: false) == day)
        // 2024-03-06 01:30 UTC is still 2024-03-05 in New York; the UTC date is 03-06.
        let u = Self.ms("2024-03-06T01:30:00Z")
        #expect(CrossTimeframeCheck.bucket(u, fine: .m1, coarse: .d1, calendar: .nyse, newYork4h: false) == day)
        #expect(CrossTimeframeCheck.bucket(u, fine: .m1, coarse: .d1, calendar: .crypto, newYork4h: false) == day + 1)
        // Forex: after 17:00 New York (22:00 UTC in winter) the trade date is the next day.
        #expect(CrossTimeframeCheck.bucket(t, fine: .m1, coarse: .d1, calendar: .forex, newYork4h: false) == day + 1)
        #expect(
            CrossTimeframeCheck.bucket(Self.ms("2024-03-05T21:59:00Z"), fine: .m1, coarse: .d1, calendar: .forex, newYork4h: false) == day)
        // Daily bars into weeks: the Monday-based week of their date, as a weekly bar stamped on
        // the Sunday before (Polygon) or on the Monday is keyed.
        let friday = Self.ms("2024-03-08T00:00:00Z"), sunday = Self.ms("2024-03-03T00:00:00Z")
        #expect(
            CrossTimeframeCheck.bucket(friday, fine: .d1, coarse: .w1, calendar: .nyse, newYork4h: false)
                == CrossTimeframeCheck.coarseKey(.w1, sunday))
    }

    @Test("4h bars from 00:00 New York (Polygon) on either side of a DST change; from 00:00 UTC otherwise")
    func fourHours() {
        // Winter: 4h bars start 05:00, 09:00, ... UTC; summer: 04:00, 08:00, ...
        #expect(
            CrossTimeframeCheck.bucket(Self.ms("2024-01-10T10:59:00Z"), fine: .m1, coarse: .h4, calendar: .nyse, newYork4h: true)
                == Self.ms("2024-01-10T09:00:00Z"))
        #expect(
            CrossTimeframeCheck.bucket(Self.ms("2024-07-10T10:59:00Z"), fine: .m1, coarse: .h4, calendar: .nyse, newYork4h: true)
                == Self.ms("2024-07-10T08:00:00Z"))
        #expect(
            CrossTimeframeCheck.bucket(Self.ms("2024-07-10T10:59:00Z"), fine: .m1, coarse: .h4, calendar: .nyse, newYork4h: false)
                == Self.ms("2024-07-10T08:00:00Z"))
        #expect(
            CrossTimeframeCheck.bucket(Self.ms("2024-01-10T10:59:00Z"), fine: .m1, coarse: .h4, calendar: .crypto, newYork4h: false)
                == Self.ms("2024-01-10T08:00:00Z"))
    }

    @Test(
        "an hour bar built from the whole hour (Polygon, pre-market in it) or from 09:30 (Lean) passes; a close at the closing print passes"
    )
    func eitherSpan() {
        // 2024-03-05, 09:00-10:00 New York = 14:00-15:00 UTC; minutes 14:00..14:59.
        var fine = SeriesColumns()
        let hour = Self.ms("2024-03-05T14:00:00Z")
        for k in 0..<60 {
            let p = k < 30 ? 100.0 : 110.0  // pre-market at 100, the session at 110
            fine.ts.append(hour + Int64(k) * 60_000)
            fine.open.append(p)
            fine.high.append(p + 1)
            fine.low.append(p - 1)
            fine.close.append(p)
            fine.volume.append(10)
        }
        func hourBar(open: Double, low: Double, volume: Double) -> SeriesColumns {
            var c = SeriesColumns()
            (c.ts, c.open, c.high, c.low, c.close, c.volume) = ([hour], [open], [111], [low], [110], [volume])
            return c
        }
        let symbol = try! Symbol("SPY")
        func findings(_ c: SeriesColumns) -> [Finding] {
            CrossTimeframeCheck.findings(
                symbol: symbol, calendar: .nyse, coarse: .h1, c, fine: .m1, fine, start: hour, end: hour + 3_600_000)
        }
        #expect(findings(hourBar(open: 100, low: 99, volume: 600)).isEmpty)  // the whole hour
        #expect(findings(hourBar(open: 110, low: 109, volume: 300)).isEmpty)  // from 09:30
        // An hour bar that holds neither: its low above the session's minutes (an error), its
        // open and volume from neither span (warnings).
        let bad = findings(hourBar(open: 105, low: 109.9, volume: 100))
        #expect(bad.map(\.severity) == [.error, .warning, .warning], "\(bad.map(\.message))")
    }
}
