public import BackfillCore

/// What one symbol's corporate-events fetch found.
public struct EventOutcome: Sendable {
    public var symbol: Symbol
    public var splits = 0
    public var dividends = 0
    /// Events the store did not hold before.
    public var added = 0
    public var requests = 0
    public var error: String?

    public init(symbol: Symbol) { self.symbol = symbol }
}
