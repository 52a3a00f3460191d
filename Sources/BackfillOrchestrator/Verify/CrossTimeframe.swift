internal import BackfillCalendar
internal import BackfillCore
internal import BackfillFeatures

/// `crosstf`: a symbol's stored bars of one timeframe against the bars of the next finer stored
/// timeframe, aggregated into them (docs/verify.md has the rules and what real data showed).
///
/// A finer bar belongs to the coarser bar the gap detector would key it under: intraday bars by
/// their start on the coarser grid (4h from 00:00 New York when the coarse bars are stamped that
/// way, as Polygon's are), days by the session date (New York for stocks, UTC for crypto, the
/// 17:00 New York trade date for forex), weeks by the Monday of that date's week. Vendors build a
/// coarse bar from either every trade of its span or only the regular session's (Polygon's daily
/// and hourly bars include extended hours; Lean's hourly bars start at 09:30), so each bucket is
/// aggregated twice for NYSE symbols, over all its finer bars ("extended") and over those that
/// overlap the regular session ("regular"), and a coarse bar passes a rule when either agrees.
/// One pass over both series' contiguous columns, ascending.
enum CrossTimeframeCheck {
    /// Prices agree within this share of the coarse bar's price (5 bp): Lean's SPY and AAPL hour
    /// and minute bars differ from each other by up to two cents (0.003 %).
    static let priceTolerance = 5e-4
    /// Volumes agree within this share of the larger of the two: a vendor counts trades into a daily
    /// bar that no minute bar carries (Polygon: sale conditions that update volume only at one
    /// level, polygon-io/issues#70).
    static let volumeTolerance = 0.10

    /// One bucket of finer bars: the extended (all) and the regular-session aggregate.
    struct Bucket {
        var all = Part()
        var regular = Part()
        /// The close of the finer bar that starts when the session closes (Polygon's daily close
        /// is the closing auction, in the 16:00 minute), NaN when none.
        var closingPrint = Double.nan
    }

    struct Part {
        var count = 0
        var open = Double.nan, close = Double.nan
        var high = -Double.infinity, low = Double.infinity
        var highAt: Int64 = 0, lowAt: Int64 = 0
        var volume = 0.0

        mutating func add(_ b: SeriesColumns, _ i: Int) {
            if count == 0 { open = b.open[i] }
            close = b.close[i]
            if b.high[i] > high { (high, highAt) = (b.high[i], b.ts[i]) }
            if b.low[i] < low { (low, lowAt) = (b.low[i], b.ts[i]) }
            volume += b.volume[i]
            count += 1
        }
    }

    /// The key under which a bar of `tf` stamped at `ts` is stored (``ExpectedBars/key(of:)``).
    static func coarseKey(_ tf: Timeframe, _ ts: Int64) -> Int64 {
        ExpectedBars(calendar: .crypto, timeframe: tf).key(of: ts)
    }

    /// The coarse key a finer bar of `fine` stamped at `ts` falls under.
    static func bucket(_ ts: Int64, fine: Timeframe, coarse: Timeframe, calendar: MarketCalendar, newYork4h: Bool) -> Int64 {
        let hour: Int64 = 3_600_000
        switch coarse {
        case .d1, .w1:
            let day: Int64
            if fine >= .d1 {
                day = UTCTime.floorDiv(ts, UTCTime.msPerDay)
            } else {
                switch calendar {
                case .nyse: day = NewYorkTime.day(of: ts)
                case .crypto: day = UTCTime.floorDiv(ts, UTCTime.msPerDay)
                case .forex: day = NewYorkTime.day(of: ts + 7 * hour)
                }
            }
            return coarse == .d1 ? day : ExpectedBars.week(ofDay: day)
        case .h4 where newYork4h:
            let offset = NewYorkTime.hoursBehindUTC(at: ts) * hour
            return UTCTime.floorDiv(ts - offset, 4 * hour) * 4 * hour + offset
        default:
            return UTCTime.floorDiv(ts, coarse.milliseconds) * coarse.milliseconds
        }
    }

    /// The findings of `coarse`'s bars with ts in [start, end) against `fineBars` of `fine`.
    static func findings(
        symbol: Symbol, calendar: MarketCalendar, coarse tf: Timeframe, _ coarse: SeriesColumns, fine: Timeframe,
        _ fineBars: SeriesColumns, start: Int64, end: Int64
    ) -> [Finding] {
        let newYork4h = tf == .h4 && coarse.ts.contains { $0 % (4 * 3_600_000) != 0 }
        let sessions = calendar == .nyse && fine < .d1
        var out: [Finding] = []
        var j = 0
        var sessionDay = Int64.min
        var session: Session?
        for i in 0..<coarse.count where coarse.ts[i] >= start && coarse.ts[i] < end {
            let key = coarseKey(tf, coarse.ts[i])
            while j < fineBars.count && bucket(fineBars.ts[j], fine: fine, coarse: tf, calendar: calendar, newYork4h: newYork4h) < key {
                j += 1
            }
            var b = Bucket()
            while j < fineBars.count && bucket(fineBars.ts[j], fine: fine, coarse: tf, calendar: calendar, newYork4h: newYork4h) == key {
                let t = fineBars.ts[j]
                b.all.add(fineBars, j)
                if sessions {
                    let day = NewYorkTime.day(of: t)
                    if day != sessionDay { (sessionDay, session) = (day, NYSECalendar.session(onDay: day)) }
                    if let s = session {
                        if t < s.close && t + fine.milliseconds > s.open { b.regular.add(fineBars, j) }
                        if t == s.close { b.closingPrint = fineBars.close[j] }
                    }
                } else {
                    b.regular.add(fineBars, j)
                }
                j += 1
            }
            guard b.all.count > 0 else { continue }  // no finer bars here: nothing to compare
            out += compare(symbol, tf, fine, coarse, i, b)
        }
        return out
    }

    /// The rules for one coarse bar and its bucket.
    static func compare(_ symbol: Symbol, _ tf: Timeframe, _ fine: Timeframe, _ c: SeriesColumns, _ i: Int, _ b: Bucket) -> [Finding] {
        let (o, h, l, cl, v, ts) = (c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i], c.ts[i])
        func off(_ x: Double, _ ref: Double) -> Bool { abs(x - ref) > priceTolerance * abs(ref) }
        func n(_ x: Double) -> String { NumberFormat.decimal(x) }
        var out: [Finding] = []
        func add(_ severity: Finding.Severity, _ message: String, _ evidence: [(String, JSON)]) {
            out.append(
                Finding(
                    check: .crosstf, severity: severity, symbol: symbol, timeframe: tf, ts: ts, message: message,
                    evidence: [("finer_timeframe", .string(fine.rawValue))] + evidence))
        }
        // Containment: the regular session's finer bars lie inside every vendor's coarse bar.
        let r = b.regular.count > 0 ? b.regular : b.all
        if r.high > h && off(r.high, h) {
            add(
                .error, "a \(fine) bar in it reaches high \(n(r.high)) (\(UTCTime.iso(r.highAt))), above its high \(n(h))",
                [("high", .number(h)), ("finer_high", .number(r.high)), ("finer_high_at", .string(UTCTime.iso(r.highAt)))])
        }
        if r.low < l && off(r.low, l) {
            add(
                .error, "a \(fine) bar in it reaches low \(n(r.low)) (\(UTCTime.iso(r.lowAt))), below its low \(n(l))",
                [("low", .number(l)), ("finer_low", .number(r.low)), ("finer_low_at", .string(UTCTime.iso(r.lowAt)))])
        }
        // Reach: a coarse extreme that no finer bar (extended hours included) comes near.
        if h > b.all.high && off(b.all.high, h) {
            add(
                .warning, "its high \(n(h)) is above every \(fine) bar in it (highest \(n(b.all.high)))",
                [("high", .number(h)), ("finer_high", .number(b.all.high))])
        }
        if l < b.all.low && off(b.all.low, l) {
            add(
                .warning, "its low \(n(l)) is below every \(fine) bar in it (lowest \(n(b.all.low)))",
                [("low", .number(l)), ("finer_low", .number(b.all.low))])
        }
        // Open and close: the first and last finer bar's, of either span (or the closing print).
        func distinct(_ xs: [Double]) -> [Double] { xs.filter { !$0.isNaN }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } } }
        let opens = distinct([b.all.open, b.regular.open])
        if !opens.isEmpty && opens.allSatisfy({ off($0, o) }) {
            add(
                .warning, "open \(n(o)) is not the first \(fine) bar's open (\(opens.map(n).joined(separator: " or ")))",
                [("open", .number(o)), ("finer_open", .number(opens[0]))])
        }
        let closes = distinct([b.all.close, b.regular.close, b.closingPrint])
        if !closes.isEmpty && closes.allSatisfy({ off($0, cl) }) {
            add(
                .warning, "close \(n(cl)) is not the last \(fine) bar's close (\(closes.map(n).joined(separator: " or ")))",
                [("close", .number(cl)), ("finer_close", .number(closes[0]))])
        }
        // Volume: the sum of either span.
        let sums = b.regular.count > 0 && b.regular.count < b.all.count ? [b.all.volume, b.regular.volume] : [b.all.volume]
        if v > 0, let nearest = sums.min(by: { abs($0 - v) < abs($1 - v) }), abs(nearest - v) > volumeTolerance * max(v, nearest) {
            let pct = Int((abs(nearest - v) / max(v, nearest) * 100).rounded())
            add(
                .warning,
                "volume \(n(v)) differs by \(pct) % from the sum of the \(fine) bars in it (\(sums.map(n).joined(separator: "; regular session ")))",
                [("volume", .number(v)), ("finer_volume", .number(nearest))])
        }
        return out
    }
}
