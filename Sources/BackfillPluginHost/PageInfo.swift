internal import BackfillCore

/// What one page call delivered besides its rows.
public struct PageInfo: Sendable, Equatable {
    /// Rows written into the batch.
    public var count: Int
    /// Source rows the provider skipped as malformed.
    public var rejected: Int
    /// The cursor of the next page; nil when the range is done.
    public var nextCursor: String?
    /// The vendor's id of the request (ABI 1.4; Polygon's `request_id`), nil when it gave none.
    public var requestId: String? = nil
}

/// One page of corporate events and where the next page starts.
struct EventPage: Sendable {
    var events: [CorporateEvent]
    var nextCursor: String?
}

/// A corporate-events request as the host sends it to a provider.
struct EventRequest: Sendable {
    var symbol: Symbol
    var ticker: String?
    var assetClass: AssetClass
    var kinds: Set<CorporateEvent.Kind>
    var start: Int64
    var end: Int64
    var cursor: String?
}
