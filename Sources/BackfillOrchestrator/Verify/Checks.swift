internal import BackfillCore
internal import Foundation

/// One pair's stored bars as columns, ascending, and what the checks need beside them.
struct VerifyInput {
    var symbol: Symbol
    var timeframe: Timeframe
    var ts: [Int64] = []
    var open: [Double] = [], high: [Double] = [], low: [Double] = [], close: [Double] = [], volume: [Double] = []
    /// vol_20 per bar (the kernels' population std of the last 20 log returns), NaN where undefined.
    var vol: [Double] = []
    /// Bars before this index are the warm-up read before the range: context, never a finding.
    var first = 0
    /// Dates (00:00 UTC) of the symbol's stored splits and dividends, ascending.
    var eventDates: [Int64] = []
}

/// `ohlc`: every bar finite and positive, its high the highest and its low the lowest of its four
/// prices, its volume not negative. Ingest refuses such rows; this finds the ones written around it
/// (by hand, by another tool, before a rule existed).
enum OHLCCheck {
    static func findings(_ d: VerifyInput) -> [Finding] {
        var out: [Finding] = []
        for t in d.first..<d.ts.count {
            let (o, h, l, c, v) = (d.open[t], d.high[t], d.low[t], d.close[t], d.volume[t])
            var why: String?
            if ![o, h, l, c, v].allSatisfy(\.isFinite) {
                why = "a price or the volume is not a finite number"
            } else if !(o > 0 && h > 0 && l > 0 && c > 0) {
                why = "a price is not positive"
            } else if h < max(o, c, l) || l > min(o, c, h) {
                why =
                    "high \(NumberFormat.decimal(h)) and low \(NumberFormat.decimal(l)) do not contain open \(NumberFormat.decimal(o)) and close \(NumberFormat.decimal(c))"
            } else if v < 0 {
                why = "volume \(NumberFormat.decimal(v)) is negative"
            }
            if let why {
                out.append(
                    Finding(
                        check: .ohlc, severity: .error, symbol: d.symbol, timeframe: d.timeframe, ts: d.ts[t], message: why,
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
        let n = d.ts.count
        var e = 0  // the first stored event date after the bar before
        for t in max(d.first, 1)..<max(n, 1) where t < n {
            let sigma = d.vol[t - 1]
            guard sigma.isFinite, d.close[t - 1] > 0, d.close[t] > 0 else { continue }
            let move = log(d.close[t] / d.close[t - 1])
            let scale = max(sigma, floor)
            guard abs(move) > k * scale else { continue }
            while e < d.eventDates.count && d.eventDates[e] <= d.ts[t - 1] { e += 1 }
            if e < d.eventDates.count && d.eventDates[e] <= d.ts[t] { continue }  // a split or dividend since the bar before
            var back: Int?
            for j in 1...revertBars where t + j < n && d.close[t + j] > 0 {
                if abs(log(d.close[t + j] / d.close[t - 1])) <= abs(move) * revertShare {
                    back = j
                    break
                }
            }
            guard let back else { continue }
            let sigmas = abs(move) / scale
            out.append(
                Finding(
                    check: .ticks, severity: .error, symbol: d.symbol, timeframe: d.timeframe, ts: d.ts[t],
                    message:
                        "close \(NumberFormat.decimal(d.close[t])) is \(NumberFormat.decimal((sigmas * 10).rounded() / 10))σ from the close before (\(NumberFormat.decimal(d.close[t - 1]))) and back to \(NumberFormat.decimal(d.close[t + back])) \(back == 1 ? "on the next bar" : "\(back) bars later"), with no split or dividend stored on its date",
                    evidence: [
                        ("close", .number(d.close[t])), ("previous_close", .number(d.close[t - 1])),
                        ("close_after", .number(d.close[t + back])), ("bars_to_revert", .int(Int64(back))),
                        ("log_move", .number(move)), ("vol_20", .number(sigma)), ("sigmas", .number((sigmas * 100).rounded() / 100)),
                    ]))
        }
        return out
    }
}
