/// A security's first and last trading days, as a provider reported them (ABI 1.4 listing and
/// delisting events): bars before the first or after the last are not holes.
public struct Listing: Sendable, Equatable {
    /// 00:00 UTC of the first trading day (nil: unknown).
    public var listed: Int64?
    /// 00:00 UTC of the last trading day (nil: still listed, or unknown).
    public var delisted: Int64?

    public init(listed: Int64? = nil, delisted: Int64? = nil) {
        self.listed = listed
        self.delisted = delisted
    }

    /// From a symbol's stored events (the newest report of each kind wins).
    public init(_ events: [CorporateEvent]) {
        listed = events.filter { $0.kind == .listing }.map(\.exDate).max()
        delisted = events.filter { $0.kind == .delisting }.map(\.exDate).max()
    }

    public var isKnown: Bool { listed != nil || delisted != nil }

    /// Where bars can exist: [first day, the day after the last), in ms.
    public var tradingRange: (start: Int64, end: Int64) {
        (listed ?? .min, delisted.map { $0 + UTCTime.msPerDay } ?? .max)
    }

    /// [a, b) cut to ``tradingRange``; nil when nothing is left.
    public func clip(_ a: Int64, _ b: Int64) -> (Int64, Int64)? {
        let (s, e) = tradingRange
        let (x, y) = (max(a, s), min(b, e))
        return x < y ? (x, y) : nil
    }

    /// "listed 2012-05-18", "listed 2012-05-18, delisted 2023-01-05", or "".
    public var text: String {
        [listed.map { "listed \(UTCTime.isoDate($0))" }, delisted.map { "delisted \(UTCTime.isoDate($0))" }].compactMap { $0 }
            .joined(separator: ", ")
    }
}
