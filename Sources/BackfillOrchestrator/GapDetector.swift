public import BackfillCalendar
public import BackfillCore
public import BackfillStore

/// Finds and classifies gaps from the store alone: expected bars from the calendar, present bars
/// and coverage from the store.
public struct GapDetector: Sendable {
    public var stamping: BarStamping
    /// Coverage from this provider counts as "answered" (nil: any provider).
    public var provider: String?
    /// Bars starting at or after this instant that nothing answered for are `pending`, not
    /// `fetch_failed` (the settle window's start; nil: no window).
    public var settleFrom: Int64?

    /// The settle window's start for a run at `now` with a window of `windowMs` (nil: no window).
    public static func settleStart(now: Int64, windowMs: Int64) -> Int64? { windowMs > 0 ? now - windowMs : nil }

    public init(stamping: BarStamping, provider: String?, settleFrom: Int64? = nil) {
        self.stamping = stamping
        self.provider = provider
        self.settleFrom = settleFrom
    }

    /// Expected runs already worked out: every symbol of a calendar expects the same bars, so a
    /// detector (one per run, matrix or request) works them out once per timeframe and range.
    let layouts = ExpectedLayouts()
    /// Each symbol's listing, read once (``applyListing(_:store:symbol:calendar:timeframe:)``).
    let listings = ListingCache()

    /// Whether results carry every session's counts (`PairCompleteness.sessions`, for the
    /// calendar heatmaps); off, a matrix of 10,000 symbols does not hold millions of them.
    public var keepSessions = true

    /// Expected bars handled per window: memory stays flat however long the range.
    public var windowBars = 100_000

    /// Detects the gaps of one pair in [start, end).
    ///
    /// Intraday bars on the UTC grid are counted per day by the store and only days whose counts
    /// differ from the calendar's are read bar by bar (``detectByCounts``); daily, weekly and
    /// New-York-anchored 4h bars, a few per day, are enumerated (``detectByEnumeration``). Both
    /// give the same result.
    public func detect(
        store: any CandleStore, symbol: Symbol, assetClass: AssetClass, timeframe: Timeframe, start: Int64, end: Int64
    ) throws(StoreError) -> PairCompleteness {
        let calendar = MarketCalendar(assetClass)
        let found: PairCompleteness
        if countsApply(timeframe) {
            let layout = layouts.runs(ExpectedBars(calendar: calendar, timeframe: timeframe, stamping: stamping), start, end)
            found = try detectByCounts(
                store: store, symbol: symbol, calendar: calendar, timeframe: timeframe, start: start, end: end, layout: layout)
        } else {
            found = try detectByEnumeration(store: store, symbol: symbol, calendar: calendar, timeframe: timeframe, start: start, end: end)
        }
        return try applyListing(found, store: store, symbol: symbol, calendar: calendar, timeframe: timeframe)
    }

    /// The reference method: every expected bar of the range is listed and looked up among the
    /// stored stamps.
    ///
    /// Two passes over windows of the range: the first counts the stored bars of every session,
    /// the second classifies the missing ones. Only one window's bars are in memory at a time.
    public func detectByEnumeration(
        store: any CandleStore, symbol: Symbol, calendar: MarketCalendar, timeframe: Timeframe, start: Int64, end: Int64
    ) throws(StoreError) -> PairCompleteness {
        let expected = ExpectedBars(calendar: calendar, timeframe: timeframe, stamping: stamping)
        let windows = Self.windows(start, end, timeframe, windowBars)

        // Sessions of the whole range (a few thousand at most), indexed by date.
        var sessionIndex: [Int64: Int] = [:]
        var sessionDays: [Int64] = []
        func globalSession(_ s: Session) -> Int {
            if let i = sessionIndex[s.day] { return i }
            sessionIndex[s.day] = sessionDays.count
            sessionDays.append(s.day)
            return sessionDays.count - 1
        }

        // Pass 1: expected and present bars per session.
        var perSession: [Int] = []
        var expectedPerSession: [Int] = []
        var expectedCount = 0, presentCount = 0
        for (a, b) in windows {
            let (bars, sessions) = expected.bars(start: a, end: b)
            guard !bars.isEmpty else { continue }
            let present = try presentKeys(store, symbol, timeframe, expected, a, b)
            for bar in bars {
                let g = globalSession(sessions[bar.session])
                while perSession.count <= g {
                    perSession.append(0)
                    expectedPerSession.append(0)
                }
                expectedPerSession[g] += 1
                expectedCount += 1
                if present.contains(bar.key) {
                    perSession[g] += 1
                    presentCount += 1
                }
            }
        }
        guard expectedCount > 0 else { return PairCompleteness(expected: 0, present: 0, gaps: []) }
        let (readFrom, readTo) = ExpectedBars.storedRange(timeframe, start, end)
        let answered = try coverage(store, symbol, timeframe, readFrom, readTo)
        let traded = try tradedDays(store, symbol, calendar, timeframe, readFrom, readTo)
        let classifier = Classifier(
            timeframe: timeframe, start: start, settleFrom: settleFrom, answered: answered, present: perSession, days: sessionDays,
            tradedDays: traded)
        func classify(_ key: Int64, _ g: Int) -> GapClass { classifier.classify(keyStart: expected.start(ofKey: key), session: g) }

        // Pass 2: runs of consecutive missing bars of one class become gaps.
        var gaps: [Gap] = []
        var previousMissing = false
        for (a, b) in windows {
            let (bars, sessions) = expected.bars(start: a, end: b)
            guard !bars.isEmpty else { continue }
            let present = try presentKeys(store, symbol, timeframe, expected, a, b)
            for bar in bars {
                if present.contains(bar.key) {
                    previousMissing = false
                    continue
                }
                let cls = classify(bar.key, globalSession(sessions[bar.session]))
                let instant = expected.start(ofKey: bar.key)
                if previousMissing, var g = gaps.last, g.gapClass == cls {
                    g.last = instant
                    g.missing += 1
                    gaps[gaps.count - 1] = g
                } else {
                    gaps.append(Gap(symbol: symbol, timeframe: timeframe, gapClass: cls, first: instant, last: instant, missing: 1))
                }
                previousMissing = true
            }
        }
        let counts =
            keepSessions
            ? perSession.indices.map { SessionCount(day: sessionDays[$0], expected: expectedPerSession[$0], present: perSession[$0]) } : []
        return PairCompleteness(expected: expectedCount, present: presentCount, gaps: gaps, sessions: counts)
    }

    /// Splits [start, end) into windows of about `bars` bars each, on day boundaries.
    static func windows(_ start: Int64, _ end: Int64, _ tf: Timeframe, _ bars: Int) -> [(Int64, Int64)] {
        let day = UTCTime.msPerDay
        let span = max(day, UTCTime.floorDiv(Int64(bars) * tf.milliseconds, day) * day)
        var out: [(Int64, Int64)] = []
        var a = start
        while a < end {
            // Align window ends to midnight UTC so a key never straddles two windows.
            let b = min(end, (UTCTime.floorDiv(a, day) * day) + span)
            out.append((a, b > a ? b : end))
            a = b > a ? b : end
        }
        return out
    }

    /// The keys of the stored bars that may stand for expected keys in [a, b).
    private func presentKeys(
        _ store: any CandleStore, _ symbol: Symbol, _ tf: Timeframe, _ expected: ExpectedBars, _ a: Int64, _ b: Int64
    ) throws(StoreError) -> Set<Int64> {
        let (from, to) = ExpectedBars.storedRange(tf, a, b)
        let stored = try store.timestamps(symbol: symbol, timeframe: tf, start: from, end: to)
        var present = Set<Int64>(minimumCapacity: stored.count)
        for ts in stored { present.insert(expected.key(of: ts)) }
        return present
    }

    /// Days whose daily bar shows volume, for intraday pairs of calendars with sessions (an empty
    /// intraday session on such a day is suspect); empty otherwise.
    func tradedDays(
        _ store: any CandleStore, _ symbol: Symbol, _ calendar: MarketCalendar, _ tf: Timeframe, _ a: Int64, _ b: Int64
    ) throws(StoreError) -> Set<Int64> {
        var days = Set<Int64>()
        guard tf < .d1 && calendar != .crypto else { return days }
        do {
            try store.readCandles(symbol: symbol, timeframe: .d1, start: a, end: b, batchSize: 4096) {
                for i in 0..<$0.count where $0.volume[i] > 0 { days.insert(UTCTime.floorDiv($0.ts[i], UTCTime.msPerDay)) }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.other("\(error)")
        }
        return days
    }

    /// The union of ranges the provider answered for (fetched or known empty).
    func coverage(_ store: any CandleStore, _ s: Symbol, _ tf: Timeframe, _ a: Int64, _ b: Int64) throws(StoreError) -> RangeSet {
        var set = RangeSet()
        for c in try store.coverage(symbol: s, timeframe: tf, start: a, end: b)
        where c.outcome != .failed && (provider == nil || c.provider == provider) {
            set.insert(c.start, c.end)
        }
        return set
    }
}

extension GapDetector {
    /// Detects the gaps of every pair from the store alone (`backfill matrix`, `backfill gaps`).
    ///
    /// - Returns: each pair's completeness, keyed by pair.
    /// - Throws: the first ``StoreError``.
    public func detect(
        store: any CandleStore, symbols: [SymbolRecord], timeframes: [Timeframe], start: Int64, end: Int64
    ) throws(StoreError) -> [PairKey: PairCompleteness] {
        var cells: [PairKey: PairCompleteness] = [:]
        try store.beginSeriesSnapshot()
        defer { store.endSeriesSnapshot() }
        for s in symbols {
            for tf in timeframes {
                cells[PairKey(s.symbol, tf)] = try detect(
                    store: store, symbol: s.symbol, assetClass: s.assetClass, timeframe: tf, start: start, end: end)
            }
        }
        return cells
    }
}

/// The class of a missing bar, from what the pair's store and calendar say around it.
struct Classifier {
    let timeframe: Timeframe
    let start: Int64
    let settleFrom: Int64?
    /// Ranges the provider answered for.
    let answered: RangeSet
    /// Stored bars per session (sessions with expected bars, in time order).
    let present: [Int]
    /// The sessions' dates.
    let days: [Int64]
    let tradedDays: Set<Int64>
    private let hasBarsBefore: [Bool]
    private let hasBarsAfter: [Bool]

    init(
        timeframe: Timeframe, start: Int64, settleFrom: Int64?, answered: RangeSet, present: [Int], days: [Int64],
        tradedDays: Set<Int64>
    ) {
        (self.timeframe, self.start, self.settleFrom, self.answered) = (timeframe, start, settleFrom, answered)
        (self.present, self.days, self.tradedDays) = (present, days, tradedDays)
        var before = [Bool](repeating: false, count: present.count)
        var after = before
        for i in present.indices.dropFirst() { before[i] = before[i - 1] || present[i - 1] > 0 }
        for i in present.indices.reversed().dropFirst() { after[i] = after[i + 1] || present[i + 1] > 0 }
        (hasBarsBefore, hasBarsAfter) = (before, after)
    }

    /// The class of the missing bar whose key starts at `keyStart`, in session `g`.
    func classify(keyStart: Int64, session g: Int) -> GapClass {
        guard answered.contains(max(keyStart, start)) else {
            if let settleFrom, keyStart >= settleFrom { return .pending }
            return .fetchFailed
        }
        // Quiet minutes inside a session that has bars are normal: the provider had no trades.
        guard present[g] == 0 else { return .providerEmpty }
        if timeframe < .d1, tradedDays.contains(days[g]) { return .suspect }
        // Whole sessions (days, weeks) empty with bars on both sides of them: a hole, not a
        // quiet spell (a delisted or not-yet-listed symbol has bars on one side only).
        return hasBarsBefore[g] && hasBarsAfter[g] ? .suspect : .providerEmpty
    }

    /// The first instant after `t` at which a missing bar's class may change (a coverage edge or
    /// the settle window's start), or nil.
    func nextChange(after t: Int64) -> Int64? {
        let edge = answered.edge(after: t)
        guard let settleFrom, settleFrom > t else { return edge }
        return min(edge ?? settleFrom, settleFrom)
    }
}
