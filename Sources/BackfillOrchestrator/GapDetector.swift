public import BackfillCalendar
public import BackfillCore
public import BackfillStore

/// Why expected bars are missing.
public enum GapClass: String, Sendable, Codable, CaseIterable {
    /// The range was never fetched successfully: a real hole to refill.
    case fetchFailed = "fetch_failed"
    /// The provider answered for the range and had no bars (a thin symbol's quiet minutes).
    case providerEmpty = "provider_empty"
    /// The provider answered, but the emptiness is implausible: a whole session (for daily bars a
    /// day, for weekly bars a week) empty while the sessions around it have bars, or no intraday
    /// bars on a day the daily bar shows volume.
    case suspect
    /// Too recent to judge: the bars start inside the settle window (the last hours before the
    /// run, by default 24), where a vendor may not have published everything yet. Nothing is
    /// recorded for them, so the next run asks again; not a hole, not refilled in this run.
    case pending

    /// A gap that makes a pair incomplete and is refilled: fetch_failed or suspect.
    public var isHole: Bool { self == .fetchFailed || self == .suspect }
}

/// A run of consecutive missing expected bars of one class.
public struct Gap: Sendable, Equatable {
    public var symbol: Symbol
    public var timeframe: Timeframe
    public var gapClass: GapClass
    /// The first and last missing bar (their key instants: bar start, session date, week Monday).
    public var first: Int64
    public var last: Int64
    /// Missing bars.
    public var missing: Int
    /// Refill attempts made for it in this run.
    public var attempts: Int = 0

    public init(symbol: Symbol, timeframe: Timeframe, gapClass: GapClass, first: Int64, last: Int64, missing: Int, attempts: Int = 0) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.gapClass = gapClass
        self.first = first
        self.last = last
        self.missing = missing
        self.attempts = attempts
    }
}

/// Expected and stored bars of one trading session (a calendar day's session).
public struct SessionCount: Sendable, Equatable {
    /// The session's date, as days since 1970-01-01.
    public var day: Int64
    public var expected: Int
    public var present: Int

    public init(day: Int64, expected: Int, present: Int) {
        self.day = day
        self.expected = expected
        self.present = present
    }
}

/// What the store holds for one symbol/timeframe against its calendar.
public struct PairCompleteness: Sendable {
    public var expected: Int
    public var present: Int
    public var gaps: [Gap]
    /// Every session of the range with its expected and stored bars, in time order (for the
    /// calendar heatmap).
    public var sessions: [SessionCount] = []

    /// complete, holes (fetch_failed or suspect remain), or empty_gaps (only provider_empty or pending).
    public var status: PairReport.Status { PairReport.Status(gaps: gaps) }

    /// ✓ complete, ✗ holes remain (fetch_failed or suspect), ~ only provider_empty or pending gaps.
    public var mark: CompletenessMark { status.mark }

    /// Share of expected bars present, 0...100.
    public var percent: Double { expected == 0 ? 100 : Double(present) * 100 / Double(expected) }
}

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

    /// Expected bars handled per window: memory stays flat however long the range.
    public var windowBars = 100_000

    /// Detects the gaps of one pair in [start, end).
    ///
    /// Two passes over windows of the range: the first counts the stored bars of every session,
    /// the second classifies the missing ones. Only one window's bars are in memory at a time.
    public func detect(
        store: any CandleStore, symbol: Symbol, assetClass: AssetClass, timeframe: Timeframe, start: Int64, end: Int64
    ) throws(StoreError) -> PairCompleteness {
        let calendar = MarketCalendar(assetClass)
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
        // Sessions are met in time order, so indices are chronological.
        var hasBarsBefore = [Bool](repeating: false, count: perSession.count)
        var hasBarsAfter = [Bool](repeating: false, count: perSession.count)
        for i in perSession.indices.dropFirst() { hasBarsBefore[i] = hasBarsBefore[i - 1] || perSession[i - 1] > 0 }
        for i in perSession.indices.reversed().dropFirst() { hasBarsAfter[i] = hasBarsAfter[i + 1] || perSession[i + 1] > 0 }

        let (readFrom, readTo) = ExpectedBars.storedRange(timeframe, start, end)
        let answered = try coverage(store, symbol, timeframe, readFrom, readTo)
        // Days whose daily bar shows volume (for intraday "suspect").
        var tradedDays = Set<Int64>()
        if timeframe < .d1 && calendar != .crypto {
            do {
                try store.readCandles(symbol: symbol, timeframe: .d1, start: readFrom, end: readTo, batchSize: 4096) {
                    for i in 0..<$0.count where $0.volume[i] > 0 { tradedDays.insert(UTCTime.floorDiv($0.ts[i], UTCTime.msPerDay)) }
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.other("\(error)")
            }
        }

        func classify(_ key: Int64, _ g: Int) -> GapClass {
            let instant = max(expected.start(ofKey: key), start)
            guard answered.contains(instant) else {
                if let settleFrom, expected.start(ofKey: key) >= settleFrom { return .pending }
                return .fetchFailed
            }
            // Quiet minutes inside a session that has bars are normal: the provider had no trades.
            guard perSession[g] == 0 else { return .providerEmpty }
            if timeframe < .d1, tradedDays.contains(sessionDays[g]) { return .suspect }
            // Whole sessions (days, weeks) empty with bars on both sides of them: a hole, not a
            // quiet spell (a delisted or not-yet-listed symbol has bars on one side only).
            return hasBarsBefore[g] && hasBarsAfter[g] ? .suspect : .providerEmpty
        }

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
        let counts = perSession.indices.map {
            SessionCount(day: sessionDays[$0], expected: expectedPerSession[$0], present: perSession[$0])
        }
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
        for s in symbols {
            for tf in timeframes {
                cells[PairKey(s.symbol, tf)] = try detect(
                    store: store, symbol: s.symbol, assetClass: s.assetClass, timeframe: tf, start: start, end: end)
            }
        }
        return cells
    }
}
