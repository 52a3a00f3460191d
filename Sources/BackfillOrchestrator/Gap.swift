public import BackfillCore

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
    /// Why a `provider_empty` gap is no hole: before the listing, after the delisting.
    public var reason: GapReason?

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
