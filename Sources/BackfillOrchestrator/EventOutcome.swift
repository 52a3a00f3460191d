public import BackfillCore

/// What one symbol's corporate-events fetch found.
public struct EventOutcome: Sendable {
    public var symbol: Symbol
    public var splits = 0
    public var dividends = 0
    public var earnings = 0
    /// Earnings were asked for and the provider's plan does not cover them (a note, not a
    /// failure: the symbol's splits and dividends stand).
    public var earningsNotEntitled: String?
    /// Events the store did not hold before.
    public var added = 0
    public var requests = 0
    public var error: String?

    public init(symbol: Symbol) { self.symbol = symbol }
}
