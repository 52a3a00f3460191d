internal import BackfillABI
import BackfillCore

extension CorporateEvent.Kind {
    /// The ABI's event kind (`BF_EVENT_*`).
    var abiValue: Int32 {
        switch self {
        case .split: Int32(BF_EVENT_SPLIT)
        case .dividend: Int32(BF_EVENT_DIVIDEND)
        case .earnings: Int32(BF_EVENT_EARNINGS)
        case .tickerChange: Int32(BF_EVENT_TICKER_CHANGE)
        case .listing: Int32(BF_EVENT_LISTING)
        case .delisting: Int32(BF_EVENT_DELISTING)
        }
    }

    /// The `kinds` bits of a `bf_event_request` for a set of kinds.
    static func abiBits(_ kinds: Set<Self>) -> UInt32 {
        kinds.reduce(0) { $0 | 1 << UInt32($1.abiValue) }
    }

    /// The kinds whose bits are set (unknown bits are ignored).
    static func set(abiBits bits: UInt32) -> Set<Self> {
        Set(allCases.filter { bits & (1 << UInt32($0.abiValue)) != 0 })
    }
}
