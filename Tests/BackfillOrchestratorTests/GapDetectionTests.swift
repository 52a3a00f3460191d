import BackfillCalendar
import BackfillCore
import BackfillOrchestrator
import BackfillStore
import BackfillTestSupport
import Foundation
import Testing

/// Store-side gap detection (per-day counts, bar by bar only where they differ) must give what
/// listing every expected bar gives, bar for bar: on the replay fixtures and on random stores
/// that hold everything the detector meets in practice.
@Suite("Gap detection from store counts")
struct GapDetectionTests {
    @Test(
        "random stores: holes, empty and partial sessions, off-session and off-grid stamps, coverage, settle windows",
        arguments: TestBackend.available)
    func randomStores(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        var compared = 0
        for (c, calendar) in [(AssetClass.crypto, "crypto"), (.stock, "nyse"), (.forex, "forex")].enumerated() {
            for (t, tf) in [Timeframe.m1, .m5, .m15, .m30, .h1, .h4].enumerated() {
                var rng = SplitMix(seed: UInt64(100 * c + t))
                let symbol = try Symbol("R\(c)\(t)")
                let world = try RandomSeries.write(store, symbol, calendar.0, tf, &rng)
                for trial in 0..<4 {
                    let (start, end) = world.range(&rng)
                    let settle: Int64? = trial % 2 == 0 ? nil : Int64.random(in: start...end, using: &rng)
                    var counts = GapDetector(stamping: BarStamping(), provider: trial == 3 ? nil : "p", settleFrom: settle)
                    counts.windowBars = [100_000, 50, 3000, 700][trial]
                    let listed = try counts.detectByEnumeration(
                        store: store, symbol: symbol, calendar: MarketCalendar(calendar.0), timeframe: tf, start: start, end: end)
                    let got = try counts.detect(store: store, symbol: symbol, assetClass: calendar.0, timeframe: tf, start: start, end: end)
                    let what = "\(calendar.1) \(tf) trial \(trial) [\(UTCTime.iso(start)), \(UTCTime.iso(end)))"
                    #expect(got.expected == listed.expected && got.present == listed.present, "\(what)")
                    #expect(got.sessions == listed.sessions, "\(what)")
                    #expect(got.gaps == listed.gaps, "\(what): \(got.gaps.count) gaps against \(listed.gaps.count)")
                    #expect(listed.present > 0 && listed.present < listed.expected, "\(what): the trial must hold some bars and miss some")
                    compared += 1
                }
            }
        }
        #expect(compared == 72)
    }

    @Test("a range before 1970, and one a century long: the same gaps as listing every bar", arguments: TestBackend.available)
    func beforeEpoch(_ backend: TestBackend) throws {
        let db = try TestDatabase(backend)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let s = try Symbol("OLD")
        let start = try UTCTime.parse("1969-12-20"), end = try UTCTime.parse("1970-01-10")
        let batch = CandleBatch(capacity: 1000)
        for t in stride(from: start, to: end, by: 3_600_000) where t % (5 * 3_600_000) != 0 {
            batch.append(ts: t, open: 1, high: 1, low: 1, close: 1, volume: 1)
        }
        let coverage = CoverageRecord(start: start, end: start + 9 * UTCTime.msPerDay, provider: "p", outcome: .fetched, recordedAt: 0)
        _ = try store.write(batch, symbol: s, timeframe: .h1, coverage: coverage)
        let detector = GapDetector(stamping: BarStamping(), provider: "p")
        for (a, b) in [(start, end), (try UTCTime.parse("1926-01-01"), try UTCTime.parse("2026-01-01"))] {
            let listed = try detector.detectByEnumeration(store: store, symbol: s, calendar: .crypto, timeframe: .h1, start: a, end: b)
            let got = try detector.detect(store: store, symbol: s, assetClass: .crypto, timeframe: .h1, start: a, end: b)
            #expect(got.gaps == listed.gaps && got.sessions == listed.sessions && got.present == listed.present)
            #expect(got.present == batch.count)
        }
    }

    @Test("the replay fixtures, every timeframe, with and without their coverage")
    func fixtures() throws {
        let db = try TestDatabase(.sqlite)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        let series: [(String, AssetClass, Timeframe)] = [
            ("SPY", .etf, .d1), ("SPY", .etf, .h1), ("AAPL", .stock, .d1), ("AAPL", .stock, .m1), ("BTCPERP", .crypto, .m1),
        ]
        var ranges: [String: (Int64, Int64)] = [:]
        for (name, _, tf) in series {
            let text = try String(contentsOfFile: Fixtures.fixturesDir + "/replay/\(name)/\(tf.rawValue).csv", encoding: .utf8)
            let batch = CandleBatch(capacity: 50_000)
            for line in text.split(separator: "\n").dropFirst() {
                let f = line.split(separator: ",").map(String.init)
                let (o, h, l, c, v): (Double, Double, Double, Double, Double) = (
                    try Fixtures.value(f[1]), try Fixtures.value(f[2]), try Fixtures.value(f[3]), try Fixtures.value(f[4]),
                    try Fixtures.value(f[5])
                )
                batch.append(ts: try Fixtures.value(f[0]), open: o, high: h, low: l, close: c, volume: v)
            }
            let (first, last) = (batch.ts[0], batch.ts[batch.count - 1])
            // Coverage over the first half only: the rest is unanswered (fetch_failed).
            let coverage = CoverageRecord(start: first, end: first + (last - first) / 2, provider: "p", outcome: .fetched, recordedAt: 0)
            _ = try store.write(batch, symbol: try Symbol(name), timeframe: tf, coverage: coverage)
            let known = ranges[name] ?? (first, last)
            ranges[name] = (min(known.0, first), max(known.1, last))
        }
        var compared = 0
        for (name, assetClass, _) in series where ranges[name] != nil {
            let (first, last) = ranges.removeValue(forKey: name)!
            // The whole history, and a week from the middle of it starting at an odd minute.
            let middle = first + (last - first) / 2
            let spans = [(first, last + UTCTime.msPerDay), (middle - 3 * UTCTime.msPerDay + 7 * 60_000, middle + 4 * UTCTime.msPerDay)]
            for (a, b) in spans {
                for tf in Timeframe.allCases {
                    let stampings = tf == .h4 ? [BarStamping(), BarStamping(fourHourFromNewYorkMidnight: true)] : [BarStamping()]
                    for stamping in stampings {
                        let detector = GapDetector(stamping: stamping, provider: "p", settleFrom: b - 3 * UTCTime.msPerDay)
                        let symbol = try Symbol(name)
                        let listed = try detector.detectByEnumeration(
                            store: store, symbol: symbol, calendar: MarketCalendar(assetClass), timeframe: tf, start: a, end: b)
                        let got = try detector.detect(store: store, symbol: symbol, assetClass: assetClass, timeframe: tf, start: a, end: b)
                        #expect(got.gaps == listed.gaps && got.sessions == listed.sessions, "\(name) \(tf) from \(UTCTime.iso(a))")
                        #expect(got.expected == listed.expected && got.present == listed.present, "\(name) \(tf)")
                        compared += 1
                    }
                }
            }
        }
        #expect(compared == 3 * 2 * 9)
    }

    @Test("the batch over many pairs equals pair by pair (layouts shared per calendar and timeframe)")
    func batchEqualsPairs() throws {
        let db = try TestDatabase(.sqlite)
        defer { withExtendedLifetime(db) {} }
        let store = try db.open()
        var rng = SplitMix(seed: 7)
        var records: [SymbolRecord] = []
        var range: (Int64, Int64) = (0, 0)
        for (i, assetClass) in [AssetClass.crypto, .stock, .crypto, .etf].enumerated() {
            let symbol = try Symbol("B\(i)")
            range = try RandomSeries.write(store, symbol, assetClass, .h1, &rng).span
            records.append(SymbolRecord(symbol: symbol, assetClass: assetClass))
        }
        let detector = GapDetector(stamping: BarStamping(), provider: "p")
        let all = try detector.detect(store: store, symbols: records, timeframes: [.m5, .h1, .d1], start: range.0, end: range.1)
        #expect(all.count == 12)
        for r in records {
            for tf in [Timeframe.m5, .h1, .d1] {
                // A new detector each time: nothing worked out for another pair is reused.
                let one = try GapDetector(stamping: BarStamping(), provider: "p").detect(
                    store: store, symbol: r.symbol, assetClass: r.assetClass, timeframe: tf, start: range.0, end: range.1)
                #expect(all[PairKey(r.symbol, tf)]?.gaps == one.gaps && all[PairKey(r.symbol, tf)]?.sessions == one.sessions)
            }
        }
    }
}

/// A random series of one pair over about two months of 2024: every session whole, empty,
/// thinned or holed, with stamps a vendor adds off the calendar (extended hours, another grid),
/// coverage from two providers with every outcome, and daily bars with and without volume.
enum RandomSeries {
    struct World {
        var span: (Int64, Int64)

        /// A random sub-range, starting and ending at any minute.
        func range(_ rng: inout SplitMix) -> (Int64, Int64) {
            let minutes = (span.1 - span.0) / 60_000
            let a = span.0 + Int64.random(in: 0...(minutes / 3), using: &rng) * 60_000 + Int64.random(in: 0..<60, using: &rng) * 1000
            let b = span.1 - Int64.random(in: 0...(minutes / 3), using: &rng) * 60_000
            return (a, b)
        }
    }

    static func write(_ store: any CandleStore, _ symbol: Symbol, _ assetClass: AssetClass, _ tf: Timeframe, _ rng: inout SplitMix) throws
        -> World
    {
        let start = try UTCTime.parse("2024-02-20"), end = try UTCTime.parse("2024-04-20")  // across the US DST change
        let expected = ExpectedBars(calendar: MarketCalendar(assetClass), timeframe: tf)
        let (bars, sessions) = expected.bars(start: start, end: end)
        var stamps: [Int64] = []
        var kind = [Int](repeating: 0, count: sessions.count)
        // Every fifth session empty, the others random.
        for i in kind.indices { kind[i] = i % 5 == 2 ? 0 : Int.random(in: 0..<6, using: &rng) }
        for bar in bars {
            switch kind[bar.session] {
            case 0: continue  // an empty session
            case 1: if Int.random(in: 0..<4, using: &rng) == 0 { continue }  // thinned
            case 2: if bar.key % (7 * tf.milliseconds) == 0 { continue }  // regular holes
            default: break  // whole
            }
            stamps.append(bar.key)
        }
        for s in sessions where Int.random(in: 0..<3, using: &rng) == 0 {
            // Extended hours on the grid, and a stamp off the grid inside the session.
            stamps.append(UTCTime.floorDiv(s.open, tf.milliseconds) * tf.milliseconds - tf.milliseconds)
            stamps.append(s.close + UTCTime.ceilDiv(tf.milliseconds, 2))
            stamps.append(s.open + 30_000)
        }
        stamps = Array(Set(stamps.filter { $0 >= start && $0 < end })).sorted()
        let batch = CandleBatch(capacity: stamps.count)
        for t in stamps { batch.append(ts: t, open: 1, high: 1, low: 1, close: 1, volume: 1) }
        _ = try store.write(batch, symbol: symbol, timeframe: tf, coverage: nil)
        // Coverage in pieces: fetched, empty and failed from "p", and some from another provider.
        var t = start
        while t < end {
            let next = min(
                end, t + Int64.random(in: 1...(4 * UTCTime.msPerDay), using: &rng) + Int64.random(in: 0..<60, using: &rng) * 60_000)
            let roll = Int.random(in: 0..<5, using: &rng)
            if roll < 4 {
                let outcome: CoverageRecord.Outcome = [.fetched, .empty, .failed, .fetched][roll]
                try store.recordCoverage(
                    CoverageRecord(start: t, end: next, provider: roll == 3 ? "q" : "p", outcome: outcome, recordedAt: 0), symbol: symbol,
                    timeframe: tf)
            }
            t = next
        }
        // Daily bars: volume on some days, none on others (intraday "suspect" looks at them).
        let daily = CandleBatch(capacity: 64)
        for s in Set(sessions.map(\.day)).sorted() {
            guard Int.random(in: 0..<3, using: &rng) > 0 else { continue }
            daily.append(ts: s * UTCTime.msPerDay, open: 1, high: 1, low: 1, close: 1, volume: Double(Int.random(in: 0...1, using: &rng)))
        }
        if daily.count > 0 { _ = try store.write(daily, symbol: symbol, timeframe: .d1, coverage: nil) }
        return World(span: (start, end))
    }
}

/// A small seeded generator (SplitMix64), so a failing case can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
