public import BackfillCore

/// One trading session: its date and its [open, close) in UTC epoch ms.
public struct Session: Sendable, Equatable {
    /// The session's date (day number; for stocks the New York date, for crypto the UTC date,
    /// for forex the trade date the session closes on).
    public var day: Int64
    public var open: Int64
    public var close: Int64
}

/// How a provider stamps bars, declared by its plugin (see the provider ABI).
public struct BarStamping: Sendable, Equatable {
    /// 4h bars count from 00:00 New York (Polygon) rather than 00:00 UTC.
    public var fourHourFromNewYorkMidnight: Bool
    public init(fourHourFromNewYorkMidnight: Bool = false) { self.fourHourFromNewYorkMidnight = fourHourFromNewYorkMidnight }
}

/// When a symbol trades: the NYSE calendar for stocks, ETFs and indices; 24/7 for crypto; 24/5 for
/// forex (Sunday 17:00 to Friday 17:00 New York).
public enum MarketCalendar: String, Sendable {
    case nyse, crypto, forex

    public init(_ assetClass: AssetClass) {
        switch assetClass {
        case .stock, .etf, .index: self = .nyse
        case .crypto: self = .crypto
        case .forex: self = .forex
        }
    }

    /// The sessions whose date lies in the days [fromDay, toDay).
    public func sessions(fromDay: Int64, toDay: Int64) -> [Session] {
        var out: [Session] = []
        guard fromDay < toDay else { return out }
        out.reserveCapacity(Int(toDay - fromDay))
        for day in fromDay..<toDay {
            switch self {
            case .nyse:
                if let s = NYSECalendar.session(onDay: day) { out.append(s) }
            case .crypto:
                out.append(Session(day: day, open: day * UTCTime.msPerDay, close: (day + 1) * UTCTime.msPerDay))
            case .forex:
                // Trade date Monday..Friday, from 17:00 New York the day before to 17:00 that day.
                let w = UTCTime.weekday(ofDays: day)
                if (1...5).contains(w) {
                    out.append(Session(day: day, open: NewYorkTime.utc(day: day - 1, hour: 17), close: NewYorkTime.utc(day: day, hour: 17)))
                }
            }
        }
        return out
    }

    /// The sessions overlapping the instants [start, end).
    public func sessions(overlapping start: Int64, _ end: Int64) -> [Session] {
        let from = UTCTime.floorDiv(start, UTCTime.msPerDay) - 1
        let to = UTCTime.floorDiv(end - 1, UTCTime.msPerDay) + 2
        return sessions(fromDay: from, toDay: to).filter { $0.close > start && $0.open < end }
    }
}

/// The bars a calendar expects, as keys a stored bar can be matched to whatever its exact stamp.
///
/// - Intraday (1m..4h): the key is the bar's start. Bars start at multiples of the timeframe from
///   00:00 UTC (for 4h, from 00:00 New York when the provider declares it); a bar is expected when
///   its interval overlaps a session.
/// - 1d: the key is the session date; a stored bar stamped at 00:00 UTC of that date or 00:00 New
///   York of that date (04:00/05:00 UTC) has that date as its UTC date.
/// - 1w: the key is the Monday-based week, expected when its Monday 00:00 UTC lies in the range
///   and it has a session; a stored bar counts for the week of (its UTC date + 1 day), so bars
///   stamped on the Sunday before the week (Polygon) or on its Monday both match (requests for
///   weekly bars start a day early for that reason).
public struct ExpectedBars: Sendable {
    public let calendar: MarketCalendar
    public let timeframe: Timeframe
    public let stamping: BarStamping

    public init(calendar: MarketCalendar, timeframe: Timeframe, stamping: BarStamping = BarStamping()) {
        self.calendar = calendar
        self.timeframe = timeframe
        self.stamping = stamping
    }

    /// The key of a stored bar stamped at `ts`.
    @inline(__always)
    public func key(of ts: Int64) -> Int64 {
        switch timeframe {
        case .d1: return UTCTime.floorDiv(ts, UTCTime.msPerDay)
        case .w1: return Self.week(ofDay: UTCTime.floorDiv(ts, UTCTime.msPerDay) + 1)
        default: return ts
        }
    }

    /// The stamps to ask a vendor for to get every bar keyed in [start, end): the same range, but
    /// from a day earlier for weekly bars (a vendor may stamp a week on the Sunday before it).
    /// First fetches and gap refills both ask for this.
    public static func requestRange(_ tf: Timeframe, _ start: Int64, _ end: Int64) -> (Int64, Int64) {
        (tf == .w1 ? start - stampLead : start, end)
    }

    /// How far beyond a gap's own bars a refill asks, on each side: a day for daily and weekly
    /// bars, so a vendor that stamps them at another hour than the first answer suggested still
    /// returns the missing bar; nothing for intraday bars.
    public static func refillMargin(_ tf: Timeframe) -> Int64 { tf >= .d1 ? UTCTime.msPerDay : 0 }

    /// The stored stamps that may carry keys in [start, end): a daily or weekly bar's stamp may
    /// sit up to a week from its key (Sunday-stamped weeks, midnight-New-York days), so reads of
    /// those widen by eight days on each side; intraday stamps are their keys.
    public static func storedRange(_ tf: Timeframe, _ start: Int64, _ end: Int64) -> (Int64, Int64) {
        let slack: Int64 = tf >= .d1 ? 8 * UTCTime.msPerDay : 0
        return (start - slack, end + slack)
    }

    /// How far before its week a vendor may stamp a weekly bar (the Sunday before the Monday).
    static let stampLead = UTCTime.msPerDay

    /// Monday-based week number (1970-01-05 was a Monday: day 4).
    public static func week(ofDay day: Int64) -> Int64 { UTCTime.floorDiv(day - 4, 7) }

    /// The start instant a key stands for (for reports): the bar start, 00:00 UTC of the session
    /// date, or 00:00 UTC of the week's Monday.
    public func start(ofKey key: Int64) -> Int64 {
        switch timeframe {
        case .d1: key * UTCTime.msPerDay
        case .w1: (key * 7 + 4) * UTCTime.msPerDay
        default: key
        }
    }

    /// One expected bar: its key and the session it belongs to (index into `sessions`).
    public struct Bar: Sendable, Equatable {
        public var key: Int64
        public var session: Int
    }

    /// The expected bars whose key instant lies in [start, end), with the sessions they belong to.
    public func bars(start: Int64, end: Int64) -> (bars: [Bar], sessions: [Session]) {
        switch timeframe {
        case .d1:
            let sessions = calendar.sessions(
                fromDay: UTCTime.floorDiv(start + UTCTime.msPerDay - 1, UTCTime.msPerDay),
                toDay: UTCTime.floorDiv(end - 1, UTCTime.msPerDay) + 1)
            return (sessions.enumerated().map { Bar(key: $0.element.day, session: $0.offset) }, sessions)
        case .w1:
            // A week is expected when its Monday 00:00 UTC lies in [start, end) and it has a session.
            let firstMonday = UTCTime.floorDiv(start + UTCTime.msPerDay - 1, UTCTime.msPerDay)
            let firstWeek = Self.week(ofDay: firstMonday + 6)
            let lastWeek = Self.week(ofDay: UTCTime.floorDiv(end - 1, UTCTime.msPerDay))
            guard firstWeek <= lastWeek else { return ([], []) }
            let sessions = calendar.sessions(fromDay: firstWeek * 7 + 4, toDay: (lastWeek + 1) * 7 + 4)
            var bars: [Bar] = []
            for (i, s) in sessions.enumerated() {
                let w = Self.week(ofDay: s.day)
                if bars.last?.key != w { bars.append(Bar(key: w, session: i)) }
            }
            return (bars, sessions)
        default:
            let (runs, sessions) = runs(start: start, end: end)
            var bars: [Bar] = []
            bars.reserveCapacity(runs.reduce(0) { $0 + $1.count })
            for run in runs {
                for k in 0..<Int64(run.count) { bars.append(Bar(key: run.first + k * run.step, session: run.session)) }
            }
            return (bars, sessions)
        }
    }

    /// Consecutive expected intraday bars of one session: `count` keys from `first`, `step` apart.
    public struct Run: Sendable, Equatable {
        public var first: Int64
        public var step: Int64
        public var count: Int
        /// Index into the sessions returned with it.
        public var session: Int
        /// The last key of the run.
        public var last: Int64 { first + Int64(count - 1) * step }
    }

    /// The expected intraday bars whose start lies in [start, end), as one run per session, in
    /// time order, worked out from each session's bounds without listing the bars (so a year of
    /// minutes costs what its few hundred sessions cost).
    ///
    /// A bar is expected when its interval overlaps a session; a bar overlapping two sessions
    /// belongs to the first. Daily and weekly bars are not runs of instants: use ``bars(start:end:)``.
    public func runs(start: Int64, end: Int64) -> (runs: [Run], sessions: [Session]) {
        precondition(timeframe < .d1, "runs are intraday")
        let tf = timeframe.milliseconds
        let sessions = calendar.sessions(overlapping: start, end)
        var runs: [Run] = []
        var last = Int64.min
        for (i, s) in sessions.enumerated() {
            let anchor =
                timeframe == .h4 && stamping.fourHourFromNewYorkMidnight
                ? NewYorkTime.utc(day: NewYorkTime.day(of: s.open), hour: 0) : 0
            let origin = anchor + UTCTime.floorDiv(s.open - anchor, tf) * tf
            // Keys origin + k*tf with k in [lower, upper): at or after start and after the previous
            // session's last key, before the session's close and before end.
            let from = max(start, last + 1)
            let lower = max(0, UTCTime.ceilDiv(from - origin, tf))
            let upper = UTCTime.ceilDiv(min(s.close, end) - origin, tf)
            guard upper > lower else { continue }
            runs.append(Run(first: origin + lower * tf, step: tf, count: Int(upper - lower), session: i))
            last = runs[runs.count - 1].last
        }
        return (runs, sessions)
    }
}
