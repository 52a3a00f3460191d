internal import BackfillCalendar
internal import BackfillCore
internal import BackfillFeatures
internal import BackfillStore
internal import Foundation

/// One pair's stored bars as columns, ascending, and what the checks need beside them.
struct VerifyInput {
    var symbol: Symbol
    var timeframe: Timeframe
    var bars: SeriesColumns
    /// vol_20 per bar (the kernels' population std of the last 20 log returns), NaN where undefined.
    var vol: [Double] = []
    /// Bars before this index are the warm-up read before the range: context, never a finding.
    var first = 0
    /// Dates (00:00 UTC) of the symbol's stored splits and dividends, ascending.
    var eventDates: [Int64] = []
}

/// `ohlc`: ingest's rules on a bar's values (``RowProblem/of(open:high:low:close:volume:)``), and
/// no zero price. Ingest refuses the rows those rules name; this finds the ones written around it
/// (by hand, by another tool, before a rule existed).
enum OHLCCheck {
    static func findings(_ d: VerifyInput) -> [Finding] {
        var out: [Finding] = []
        let b = d.bars
        for t in d.first..<b.count {
            let (o, h, l, c, v) = (b.open[t], b.high[t], b.low[t], b.close[t], b.volume[t])
            var why: String?
            switch RowProblem.of(open: o, high: h, low: l, close: c, volume: v) {
            case .nonFinite?: why = "a price or the volume is not a finite number"
            case .negative? where min(o, h, l, c) < 0: why = "a price is not positive"
            case .negative?: why = "volume \(NumberFormat.decimal(v)) is negative"
            case .highBelowLow?, .outsideBar?:
                why =
                    "high \(NumberFormat.decimal(h)) and low \(NumberFormat.decimal(l)) do not contain open \(NumberFormat.decimal(o)) and close \(NumberFormat.decimal(c))"
            default:
                // Ingest stores a zero price; the kernels (and every price ratio) cannot use one.
                if min(o, h, l, c) == 0 { why = "a price is not positive" }
            }
            if let why {
                out.append(
                    Finding(
                        check: .ohlc, severity: .error, symbol: d.symbol, timeframe: d.timeframe, ts: b.ts[t], message: why,
                        evidence: [
                            ("open", .number(o)), ("high", .number(h)), ("low", .number(l)), ("close", .number(c)), ("volume", .number(v)),
                        ]))
            }
        }
        return out
    }
}

/// `ticks`: a close whose log move from the bar before is more than ``k`` times the series'
/// volatility just before it (vol_20 of the bar before, at least ``floor``), that comes back
/// within ``revertBars`` bars to within ``revertShare`` of that move from the close before it, on
/// a bar with no stored split or dividend since the bar before: a bad print (an error). A move
/// that stays (a real gap on news, an unrecorded split) or only partly recovers (SPY's first hour
/// after 9/11, 2015-08-24: half of the drop back within three hours) is not reported here.
enum TickCheck {
    static let k = 10.0
    /// The volatility a jump is measured against, at least this (a flat series has none).
    static let floor = 0.001
    static let revertBars = 3
    /// How close to the close before a revert comes: within a quarter of the move.
    static let revertShare = 0.25

    static func findings(_ d: VerifyInput) -> [Finding] {
        var out: [Finding] = []
        let (ts, close, n) = (d.bars.ts, d.bars.close, d.bars.count)
        var e = 0  // the first stored event date after the bar before
        for t in max(d.first, 1)..<max(n, 1) where t < n {
            let sigma = d.vol[t - 1]
            guard sigma.isFinite, close[t - 1] > 0, close[t] > 0 else { continue }
            let move = log(close[t] / close[t - 1])
            let scale = max(sigma, floor)
            guard abs(move) > k * scale else { continue }
            while e < d.eventDates.count && d.eventDates[e] <= ts[t - 1] { e += 1 }
            if e < d.eventDates.count && d.eventDates[e] <= ts[t] { continue }  // a split or dividend since the bar before
            var back: Int?
            for j in 1...revertBars where t + j < n && close[t + j] > 0 {
                if abs(log(close[t + j] / close[t - 1])) <= abs(move) * revertShare {
                    back = j
                    break
                }
            }
            guard let back else { continue }
            let sigmas = abs(move) / scale
            out.append(
                Finding(
                    check: .ticks, severity: .error, symbol: d.symbol, timeframe: d.timeframe, ts: ts[t],
                    message:
                        "close \(NumberFormat.decimal(close[t])) is \(NumberFormat.decimal((sigmas * 10).rounded() / 10))σ from the close before (\(NumberFormat.decimal(close[t - 1]))) and back to \(NumberFormat.decimal(close[t + back])) \(back == 1 ? "on the next bar" : "\(back) bars later"), with no split or dividend stored on its date",
                    evidence: [
                        ("close", .number(close[t])), ("previous_close", .number(close[t - 1])),
                        ("close_after", .number(close[t + back])), ("bars_to_revert", .int(Int64(back))),
                        ("log_move", .number(move)), ("vol_20", .number(sigma)), ("sigmas", .number((sigmas * 100).rounded() / 100)),
                    ]))
        }
        return out
    }
}

/// `calendar`, across the NYSE symbols of one timeframe (one finding per date, not per symbol),
/// from each series' per-day bar counts:
/// - a day the calendar calls closed (a weekend, a holiday) on which at least
///   ``minimumSymbols`` symbols, and at least half of those with bars that week, have bars in
///   regular hours (13:30-21:00 UTC for intraday bars; any daily bar): the calendar lacks a
///   session, or the vendor stamped bars on a closed day;
/// - a session the calendar expects on which none of the symbols that have bars on both the
///   session before and the session after has one (at least ``minimumSymbols`` of them): a
///   closure the calendar does not know (NYSE's 2025-01-09, added to the calendar libraries after
///   the fact), whose missing bars show as holes in the matrix meanwhile.
/// Warnings: which of the two is wrong, the calendar or the vendor, is for a person to say.
enum CalendarCheck {
    static let minimumSymbols = 2

    static func findings(timeframe tf: Timeframe, symbols: [Symbol], days: [Symbol: [DayCount]], start: Int64, end: Int64)
        -> [Finding]
    {
        let fromDay = UTCTime.floorDiv(start, UTCTime.msPerDay), toDay = UTCTime.floorDiv(end - 1, UTCTime.msPerDay) + 1
        guard fromDay < toDay else { return [] }
        // Per symbol, the days with a bar (regular hours for intraday).
        var has: [Symbol: Set<Int64>] = [:]
        for s in symbols {
            var set = Set<Int64>()
            for d in days[s] ?? [] {
                if tf == .d1 {
                    set.insert(d.day)
                } else {
                    let open = d.day * UTCTime.msPerDay + 13 * 3_600_000 + 30 * 60_000, close = d.day * UTCTime.msPerDay + 21 * 3_600_000
                    if d.first < close && d.last >= open { set.insert(d.day) }
                }
            }
            has[s] = set
        }
        let sessions = MarketCalendar.nyse.sessions(fromDay: fromDay - 10, toDay: toDay + 10).map(\.day)
        let open = Set(sessions)
        var out: [Finding] = []
        for day in fromDay..<toDay where !open.contains(day) {
            let with = symbols.filter { has[$0]?.contains(day) == true }
            guard with.count >= minimumSymbols else { continue }
            let week = symbols.filter { s in ((day - 3)...(day + 3)).contains { has[s]?.contains($0) == true } }
            guard with.count * 2 >= week.count else { continue }
            out.append(
                Finding(
                    check: .calendar, severity: .warning, symbol: nil, timeframe: tf, ts: day * UTCTime.msPerDay,
                    message:
                        "\(UTCTime.isoDate(day * UTCTime.msPerDay)) is closed in the NYSE calendar, but \(with.count) of \(week.count) symbols have \(tf == .d1 ? "a bar" : "regular-hours bars") on it (\(list(with)))",
                    evidence: [("symbols", .array(with.map { .string($0.text) })), ("of", .int(Int64(week.count)))]))
        }
        for (i, day) in sessions.enumerated() where day >= fromDay && day < toDay && i > 0 && i + 1 < sessions.count {
            let (before, after) = (sessions[i - 1], sessions[i + 1])
            let around = symbols.filter { has[$0]?.contains(before) == true && has[$0]?.contains(after) == true }
            guard around.count >= minimumSymbols, !around.contains(where: { has[$0]?.contains(day) == true }) else { continue }
            out.append(
                Finding(
                    check: .calendar, severity: .warning, symbol: nil, timeframe: tf, ts: day * UTCTime.msPerDay,
                    message:
                        "the NYSE calendar expects a session on \(UTCTime.isoDate(day * UTCTime.msPerDay)), but none of the \(around.count) symbols with bars on the sessions before and after has one (\(list(around))): a closure the calendar does not know?",
                    evidence: [("symbols", .array(around.map { .string($0.text) }))]))
        }
        return out.sorted { $0.ts < $1.ts }
    }

    /// The first few names, then how many more.
    static func list(_ symbols: [Symbol]) -> String {
        let names = symbols.prefix(5).map(\.text).joined(separator: ", ")
        return symbols.count > 5 ? "\(names) and \(symbols.count - 5) more" : names
    }
}

/// `revisions`: stored bars a later fetch changed (their old values are kept in `revisions`):
/// one warning per pair, at its first revised bar, with how many bars changed and that bar's
/// close before and after. A revision is not wrong data — the new values are what the provider
/// says now — but a bar that moved after it was stored (a partial bar frozen at fetch time, a
/// vendor's correction) is worth a look, and the features from it on were recomputed.
enum RevisionCheck {
    static func findings(_ revisions: [CandleRevision]) -> [Finding] {
        var out: [Finding] = []
        var i = 0
        while i < revisions.count {
            let first = revisions[i]
            var j = i
            var bars = Set<Int64>()
            while j < revisions.count && revisions[j].symbol == first.symbol && revisions[j].timeframe == first.timeframe {
                bars.insert(revisions[j].ts)
                j += 1
            }
            let providers = Set(revisions[i..<j].map(\.provider)).sorted().joined(separator: ", ")
            let n = bars.count
            out.append(
                Finding(
                    check: .revisions, severity: .warning, symbol: first.symbol, timeframe: first.timeframe, ts: first.ts,
                    message:
                        "\(n) stored bar\(n == 1 ? "" : "s") changed when fetched again from \(providers.isEmpty ? "an unnamed source" : providers) (this one's close \(NumberFormat.decimal(first.old.close)) -> \(NumberFormat.decimal(first.new.close))); the old values are kept: backfill revisions --symbols \(first.symbol) --timeframes \(first.timeframe)",
                    evidence: [
                        ("bars", .int(Int64(n))), ("revisions", .int(Int64(j - i))), ("provider", .string(providers)),
                        ("old_close", .number(first.old.close)), ("new_close", .number(first.new.close)),
                    ]))
            i = j
        }
        return out
    }
}
