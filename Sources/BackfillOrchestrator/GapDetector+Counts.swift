internal import BackfillCalendar
internal import BackfillCore
internal import BackfillStore
import Synchronization

extension GapDetector {
    /// Whether the store-count method answers for `tf`: intraday bars on the UTC grid (all but
    /// New-York-anchored 4h bars).
    func countsApply(_ tf: Timeframe) -> Bool { tf < .d1 && !(tf == .h4 && stamping.fourHourFromNewYorkMidnight) }

    /// Gap detection that costs what is stored, not what the calendar expects.
    ///
    /// The store counts the pair's grid-aligned bars per UTC day (one aggregate query). A day
    /// whose expected bars are one unbroken run from `lo` to `hi` and whose count equals theirs,
    /// with its first and last stamps inside [lo, hi], holds every one of them (distinct aligned
    /// stamps in a run of that many aligned instants); a day with no count holds none. Only the
    /// other days are read stamp by stamp. Missing runs are then classified a run at a time,
    /// split where coverage or the settle window changes, so a year of empty minutes is a few
    /// hundred steps. The result is ``detectByEnumeration``'s, bar for bar.
    func detectByCounts(
        store: any CandleStore, symbol: Symbol, calendar: MarketCalendar, timeframe: Timeframe, start: Int64, end: Int64,
        layout: (runs: [ExpectedBars.Run], sessions: [Session])
    ) throws(StoreError) -> PairCompleteness {
        let runs = layout.runs
        guard !runs.isEmpty else { return PairCompleteness(expected: 0, present: 0, gaps: []) }
        let step = timeframe.milliseconds
        var days = DayPieces(runs, step: step)

        // Pass 1: which expected bars are stored, per piece.
        let counts = try store.dayCounts(symbol: symbol, timeframe: timeframe, start: start, end: end, step: step)
        var unread: [Int] = []  // days whose stamps must be read
        var c = 0
        for d in days.days.indices {
            let day = days.days[d]
            while c < counts.count && counts[c].day < day.day { c += 1 }
            guard c < counts.count, counts[c].day == day.day else {
                days.markAll(day: d, present: false)
                continue
            }
            let stored = counts[c]
            if day.unbroken && stored.count == day.expected && stored.first >= day.lo && stored.last <= day.hi {
                days.markAll(day: d, present: true)
            } else {
                unread.append(d)
            }
        }
        try readStamps(store, symbol, timeframe, &days, unread)

        var perSession = [Int](repeating: 0, count: runs.count)
        var expectedPerSession = perSession
        for p in days.pieces {
            perSession[p.run] += p.present
            expectedPerSession[p.run] += p.count
        }
        let expectedCount = expectedPerSession.reduce(0, +)
        let presentCount = perSession.reduce(0, +)
        let sessionDays = runs.map { layout.sessions[$0.session].day }
        let counted =
            keepSessions
            ? runs.indices.map { SessionCount(day: sessionDays[$0], expected: expectedPerSession[$0], present: perSession[$0]) } : []
        guard presentCount < expectedCount else {
            return PairCompleteness(expected: expectedCount, present: presentCount, gaps: [], sessions: counted)
        }

        let answered = try coverage(store, symbol, timeframe, start, end)
        // The daily bars matter only for an answered session without bars.
        let needsDaily = !answered.ranges.isEmpty && perSession.contains(0)
        let classifier = Classifier(
            timeframe: timeframe, start: start, settleFrom: settleFrom, answered: answered, present: perSession, days: sessionDays,
            tradedDays: needsDaily ? try tradedDays(store, symbol, calendar, timeframe, start, end) : [])

        // Pass 2: runs of consecutive missing bars of one class become gaps.
        var gaps: [Gap] = []
        var lastMissing: Int64?  // the last missing key so far
        var previousKey: Int64?  // the expected key before the current piece
        func add(_ first: Int64, _ count: Int, _ cls: GapClass, continuing: Bool) {
            let last = first + Int64(count - 1) * step
            if continuing, var g = gaps.last, g.gapClass == cls {
                g.last = last
                g.missing += count
                gaps[gaps.count - 1] = g
            } else {
                gaps.append(Gap(symbol: symbol, timeframe: timeframe, gapClass: cls, first: first, last: last, missing: count))
            }
        }
        for p in days.pieces {
            for (first, count) in p.missing {
                let before = first == p.first ? previousKey : first - step
                var continuing = before != nil && before == lastMissing
                var (k, left) = (first, count)
                while left > 0 {
                    let cls = classifier.classify(keyStart: k, session: p.run)
                    let n = classifier.nextChange(after: k).map { min(left, Int(UTCTime.ceilDiv($0 - k, step))) } ?? left
                    add(k, n, cls, continuing: continuing)
                    continuing = true
                    k += Int64(n) * step
                    left -= n
                }
                lastMissing = first + Int64(count - 1) * step
            }
            previousKey = p.first + Int64(p.count - 1) * step
        }
        return PairCompleteness(expected: expectedCount, present: presentCount, gaps: gaps, sessions: counted)
    }

    /// Reads the stamps of the given days (consecutive days in one query, at most `windowBars`
    /// expected bars each) and marks their pieces' bars present or missing.
    private func readStamps(
        _ store: any CandleStore, _ symbol: Symbol, _ tf: Timeframe, _ days: inout DayPieces, _ unread: [Int]
    ) throws(StoreError) {
        var i = 0
        while i < unread.count {
            var j = i
            var bars = days.days[unread[i]].expected
            while j + 1 < unread.count && unread[j + 1] == unread[j] + 1 && bars + days.days[unread[j + 1]].expected <= windowBars {
                j += 1
                bars += days.days[unread[j]].expected
            }
            let stamps = try store.timestamps(
                symbol: symbol, timeframe: tf, start: days.days[unread[i]].lo, end: days.days[unread[j]].hi + 1)
            var s = 0
            for d in unread[i]...unread[j] { days.mark(day: d, stamps: stamps, from: &s) }
            i = j + 1
        }
    }
}

/// The expected runs of a pair cut at UTC midnights into pieces, grouped by day, each piece
/// learning which of its bars are stored.
struct DayPieces {
    struct Piece {
        var first: Int64
        var count: Int
        /// Index of the run (= the session) it is part of.
        var run: Int
        var present = 0
        /// Runs of missing bars: first key and count, ascending.
        var missing: [(Int64, Int)] = []
    }

    struct Day {
        var day: Int64
        /// Pieces of this day: `pieces[range]`.
        var range: Range<Int>
        var expected: Int
        /// The first and last expected key.
        var lo: Int64
        var hi: Int64
        /// The day's expected keys are one run, `step` apart, with nothing left out between lo and hi.
        var unbroken: Bool
    }

    let step: Int64
    var pieces: [Piece] = []
    var days: [Day] = []

    init(_ runs: [ExpectedBars.Run], step: Int64) {
        self.step = step
        let msPerDay = UTCTime.msPerDay
        for (r, run) in runs.enumerated() {
            var (k, left) = (run.first, run.count)
            while left > 0 {
                let day = UTCTime.floorDiv(k, msPerDay)
                let n = min(left, Int(UTCTime.ceilDiv((day + 1) * msPerDay - k, step)))
                let last = k + Int64(n - 1) * step
                if let d = days.last, d.day == day {
                    days[days.count - 1].range = d.range.lowerBound..<(pieces.count + 1)
                    days[days.count - 1].expected += n
                    days[days.count - 1].unbroken = d.unbroken && k == d.hi + step
                    days[days.count - 1].hi = last
                } else {
                    days.append(Day(day: day, range: pieces.count..<(pieces.count + 1), expected: n, lo: k, hi: last, unbroken: true))
                }
                pieces.append(Piece(first: k, count: n, run: r))
                k = last + step
                left -= n
            }
        }
    }

    /// Every bar of the day's pieces is stored (or none is).
    mutating func markAll(day d: Int, present: Bool) {
        for i in days[d].range {
            if present {
                pieces[i].present = pieces[i].count
            } else {
                pieces[i].missing = [(pieces[i].first, pieces[i].count)]
            }
        }
    }

    /// Marks the day's pieces from ascending stored stamps, starting the scan at `s` (left after
    /// the day's last key). Stamps off the pieces' keys (another grid, outside a session) count
    /// for nothing.
    mutating func mark(day d: Int, stamps: [Int64], from s: inout Int) {
        for i in days[d].range {
            let p = pieces[i]
            let last = p.first + Int64(p.count - 1) * step
            var next = p.first  // the next key not yet accounted for
            while s < stamps.count && stamps[s] <= last {
                let t = stamps[s]
                s += 1
                guard t >= next, (t - p.first) % step == 0 else { continue }
                if t > next { pieces[i].missing.append((next, Int((t - next) / step))) }
                pieces[i].present += 1
                next = t + step
            }
            if next <= last { pieces[i].missing.append((next, Int((last - next) / step) + 1)) }
        }
    }
}

/// The expected runs of (calendar, timeframe, stamping, range), shared by the copies of one
/// detector across tasks.
final class ExpectedLayouts: Sendable {
    typealias Layout = (runs: [ExpectedBars.Run], sessions: [Session])
    private struct Key: Hashable {
        var calendar: String
        var timeframe: Timeframe
        var newYork4h: Bool
        var start: Int64
        var end: Int64
    }
    private let known = Mutex<[Key: Layout]>([:])

    func runs(_ expected: ExpectedBars, _ start: Int64, _ end: Int64) -> Layout {
        let key = Key(
            calendar: expected.calendar.rawValue, timeframe: expected.timeframe,
            newYork4h: expected.stamping.fourHourFromNewYorkMidnight, start: start, end: end)
        if let layout = known.withLock({ $0[key] }) { return layout }
        let layout = expected.runs(start: start, end: end)
        known.withLock {
            // A detector sees a handful of ranges; one that sees many (a long-lived server's)
            // keeps only the latest.
            if $0.count >= 64 { $0.removeAll() }
            $0[key] = layout
        }
        return layout
    }
}
