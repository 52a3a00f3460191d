/// A split or a dividend: what a provider reports and what the store keeps (with the symbol and
/// the provider, `StoredEvent`). Dates are 00:00 UTC, epoch ms.
public struct CorporateEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case split, dividend }
    public var kind: Kind
    /// Execution (split) or ex-dividend date.
    public var exDate: Int64
    /// A split of `splitFrom` shares into `splitTo` (0 for a dividend).
    public var splitFrom: Double
    public var splitTo: Double
    /// Cash per share (0 for a split), in `currency`.
    public var cashAmount: Double
    public var currency: String
    public var payDate: Int64?
    public var recordDate: Int64?
    public var declarationDate: Int64?

    public init(
        kind: Kind, exDate: Int64, splitFrom: Double = 0, splitTo: Double = 0, cashAmount: Double = 0,
        currency: String = "", payDate: Int64? = nil, recordDate: Int64? = nil, declarationDate: Int64? = nil
    ) {
        self.kind = kind
        self.exDate = exDate
        self.splitFrom = splitFrom
        self.splitTo = splitTo
        self.cashAmount = cashAmount
        self.currency = currency
        self.payDate = payDate
        self.recordDate = recordDate
        self.declarationDate = declarationDate
    }
}
